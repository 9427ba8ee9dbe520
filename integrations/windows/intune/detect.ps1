# Intune Win32 app detection: the app counts as installed when no banned software or leftover is left.
# Intune reads "detected" from exit code 0 with something on standard output.
# ProgramW6432: the 64-bit Program Files the installer uses, also in a 32-bit PowerShell.
$offramp = Join-Path $env:ProgramW6432 'Offramp\offramp.exe'
if (-not (Test-Path $offramp)) { exit 1 }
& $offramp scan *> $null
if ($LASTEXITCODE -eq 0) { Write-Output 'Offramp: nothing banned found'; exit 0 }
exit 1
