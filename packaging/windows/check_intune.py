"""Runs the Intune scripts (integrations/windows/intune) in Windows PowerShell 5.1 against a built bundle.

CI runs it on windows-latest after packaging/build.py, on a runner where nothing banned is installed:

    python packaging/windows/check_intune.py [BUNDLE]    (default: dist/offramp)

Each script runs as Intune runs it, ``powershell -NoProfile -ExecutionPolicy Bypass -File SCRIPT``, and must
give the exit code and the line listed below; integrations/windows/command-lines.yaml says what each exit
code means. First with Offramp not installed: the requirement says "found" (the install stages Offramp) and
the detection says not installed. Then with the bundle copied where the installer puts it
(%ProgramW6432%\\Offramp): every script must find the machine clean. The remediation runs only after the
Remediations detection found nothing, so it never migrates the runner. The copy is removed at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import yaml

REPO = Path(__file__).resolve().parents[2]
WINDOWS = REPO / "integrations" / "windows"
TIMEOUT_S = 600


class Expected(NamedTuple):
    script: str  # relative to integrations/windows
    exit_code: int
    last_line: str  # the last line it writes; a trailing "*" matches any ending


NOT_INSTALLED = (
    Expected("intune/requirement.ps1", 0, "found"),
    Expected("intune/detect.ps1", 1, ""),
)
CLEAN = (
    Expected("intune/detect.ps1", 0, "Offramp: nothing banned found"),
    Expected("intune/requirement.ps1", 0, "clean"),
    Expected("intune/remediation/detect.ps1", 0, "clean"),
    Expected("intune/remediation/remediate.ps1", 0, "offramp migrate exit code 0 *"),
)


def run_script(script: str) -> subprocess.CompletedProcess[str]:
    argv = ["powershell", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", str(WINDOWS / script)]
    return subprocess.run(
        argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=TIMEOUT_S, encoding="utf-8", errors="replace"
    )


def check(expected: Expected, meanings: dict[str, dict[int, str]]) -> list[str]:
    done = run_script(expected.script)
    lines = done.stdout.strip().splitlines()
    last = lines[-1].strip() if lines else ""
    meaning = meanings[expected.script].get(done.returncode, "an exit code the script does not list")
    print(f"{expected.script}: exit {done.returncode} ({meaning}), wrote {last!r}")
    for line in done.stdout.strip().splitlines()[:-1] + done.stderr.strip().splitlines():
        print(f"    {line}")
    problems = []
    if done.returncode != expected.exit_code:
        problems.append(f"{expected.script} exited {done.returncode}, expected {expected.exit_code}")
    wanted = expected.last_line
    if not (last.startswith(wanted[:-1]) if wanted.endswith("*") else last == wanted):
        problems.append(f"{expected.script} wrote {last!r} last, expected {wanted!r}")
    return problems


def main(argv: list[str]) -> int:
    bundle = Path(argv[0]) if argv else REPO / "dist" / "offramp"
    if not (bundle / "offramp.exe").is_file():
        print(f"check_intune: no offramp.exe in {bundle}", file=sys.stderr)
        return 2
    target = Path(os.environ["ProgramW6432"]) / "Offramp"
    if target.exists():
        print(f"check_intune: {target} already exists; this check needs a machine without Offramp", file=sys.stderr)
        return 2
    scripts = yaml.safe_load((WINDOWS / "command-lines.yaml").read_text(encoding="utf-8"))["scripts"]
    meanings = {name: dict(script["exits"]) for name, script in scripts.items()}
    problems = [p for expected in NOT_INSTALLED for p in check(expected, meanings)]
    shutil.copytree(bundle, target)
    try:
        for expected in CLEAN:
            found = check(expected, meanings)
            problems += found
            if found and expected.script == "intune/remediation/detect.ps1":
                problems.append("the remediation was not run: the runner is not clean")
                break
        if problems:
            # The scripts keep the scan's words to themselves; what it found explains their answers.
            scan = subprocess.run(
                [str(target / "offramp.exe"), "scan"],
                capture_output=True,
                stdin=subprocess.DEVNULL,
                timeout=TIMEOUT_S,
                encoding="utf-8",
                errors="replace",
            )
            print(f"offramp scan on this runner: exit {scan.returncode}\n{scan.stdout}{scan.stderr}")
    finally:
        shutil.rmtree(target)
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
