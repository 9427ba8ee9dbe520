# Intune Remediations, remediation: the silent migration. Runs as SYSTEM; Offramp registers its own
# resume after a restart (3010), so a restart-needed result is a success here.
param([string]$To = 'microsoft-defender-antivirus')
# ProgramW6432: the 64-bit Program Files the installer uses, also in a 32-bit PowerShell.
$offramp = Join-Path $env:ProgramW6432 'Offramp\offramp.exe'
$report = Join-Path $env:ProgramData 'Offramp\report.json'
# A run that stopped earlier (a failure, a kill) is carried on where it stopped: a new migrate would refuse it.
& $offramp resume --pending | Out-Null
if ($LASTEXITCODE -eq 0) {
    & $offramp resume --silent
} else {
    & $offramp migrate --silent --to $To --report $report
}
$code = $LASTEXITCODE
Write-Output "offramp migrate exit code $code (report: $report)"
if ($code -in 0, 3010, 1641) { exit 0 }
exit $code
