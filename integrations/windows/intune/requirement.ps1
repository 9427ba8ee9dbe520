# Intune Win32 app requirement: offer the migration only where Offramp's scan finds something.
# Configure the rule as: output data type String, operator Equals, value "found".
# ProgramW6432: the 64-bit Program Files the installer uses, also in a 32-bit PowerShell.
$offramp = Join-Path $env:ProgramW6432 'Offramp\offramp.exe'
if (-not (Test-Path $offramp)) { Write-Output 'found'; exit 0 }  # not staged yet: the install stages it
& $offramp scan *> $null
if ($LASTEXITCODE -eq 1) { Write-Output 'found' } else { Write-Output 'clean' }
exit 0
