# Intune Remediations, detection: exit 1 ("issue found") when banned software or leftovers are present.
# ProgramW6432: the 64-bit Program Files the installer uses, also in a 32-bit PowerShell.
$offramp = Join-Path $env:ProgramW6432 'Offramp\offramp.exe'
& $offramp scan *> $null
if ($LASTEXITCODE -eq 0) { Write-Output 'clean'; exit 0 }
if ($LASTEXITCODE -eq 1) { Write-Output 'banned software or leftovers found'; exit 1 }
Write-Output "offramp scan failed with exit code $LASTEXITCODE"; exit 1
