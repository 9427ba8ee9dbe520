# Intune Win32 app requirement: offer the migration only where Offramp's scan finds something.
# Configure the rule as: output data type String, operator Equals, value "found".
$offramp = Join-Path $env:ProgramFiles 'Offramp\offramp.exe'
if (-not (Test-Path $offramp)) { Write-Output 'found'; exit 0 }  # not staged yet: the install stages it
& $offramp scan *> $null
if ($LASTEXITCODE -eq 1) { Write-Output 'found' } else { Write-Output 'clean' }
exit 0
