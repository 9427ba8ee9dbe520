"""Smoke-tests a built bundle: each program starts, answers and says nothing unexpected on stderr.

CI runs this on every OS right after packaging/build.py; tests/packaging/test_frozen.py runs the same checks
one by one. Any traceback or Qt warning fails a check, as in the unit tests (pyproject's qt_log_level_fail).

    python packaging/smoke.py [BUNDLE ...]    (default: dist/offramp, and dist/Offramp.app on macOS)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import layout

# What Qt's offscreen platform says about itself; the unit tests ignore the same lines (pyproject.toml).
HARMLESS_STDERR = ("This plugin does not support propagateSizeHints()", "This plugin does not support raise()")
TIMEOUT_S = 120


def run(program: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [str(program), *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=TIMEOUT_S,
        encoding="utf-8",
        errors="replace",
    )


def _problems(proc: subprocess.CompletedProcess[str], ok_codes: Sequence[int] = (0,)) -> list[str]:
    found = []
    if proc.returncode not in ok_codes:
        found.append(f"exit status {proc.returncode}, expected {' or '.join(map(str, ok_codes))}")
    found += [
        f"stderr: {line}" for line in proc.stderr.splitlines() if line.strip() and line.strip() not in HARMLESS_STDERR
    ]
    return found


def check_version(bundle: Path) -> list[str]:
    proc = run(layout.executable(bundle, layout.CLI_NAME), "--version")
    found = _problems(proc)
    if proc.stdout.strip() != f"offramp {layout.version()}":
        found.append(f"--version printed {proc.stdout.strip()!r}, expected 'offramp {layout.version()}'")
    return found


def check_scan(bundle: Path) -> list[str]:
    proc = run(layout.executable(bundle, layout.CLI_NAME), "scan", "--json")
    found = _problems(proc, ok_codes=(0, 1))  # 1: banned software found, a valid answer on a build machine
    try:
        if not isinstance(json.loads(proc.stdout), dict):
            found.append("scan --json printed JSON that is not an object")
    except json.JSONDecodeError as exc:
        found.append(f"scan --json printed no valid JSON ({exc}): {proc.stdout[:200]!r}")
    return found


def check_playbooks(bundle: Path) -> list[str]:
    proc = run(
        layout.executable(bundle, layout.CLI_NAME), "playbooks", "validate", str(layout.bundled_playbooks(bundle))
    )
    return _problems(proc)


def check_gui(bundle: Path) -> list[str]:
    proc = run(layout.executable(bundle, layout.GUI_NAME), "--smoke-test")
    found = _problems(proc)
    # A windowed Windows program may have no stdout at all; its exit status alone then says "ok".
    windowed_silence = sys.platform == "win32" and not proc.stdout.strip()
    if proc.stdout.split() != ["first", "page", "shown", "ok"] and not windowed_silence:
        found.append(f"--smoke-test printed {proc.stdout.strip()!r}, expected 'first page shown' and 'ok'")
    return found


# Two hosts of an osquery results log, one with a Kaspersky uninstall entry: enough to start the fleet scan's
# worker processes, which a frozen program must be able to become (multiprocessing and concurrent.futures).
FLEET_LOG = (
    '{"name":"pack_offramp_programs","hostIdentifier":"host-a","unixTime":1764700000,"action":"snapshot",'
    '"snapshot":[{"name":"Kaspersky Endpoint Security for Windows","version":"12.5.0.539",'
    '"publisher":"AO Kaspersky Lab"}]}\n'
    '{"name":"pack_offramp_programs","hostIdentifier":"host-b","unixTime":1764700000,"action":"snapshot",'
    '"snapshot":[{"name":"7-Zip 23.01 (x64)","version":"23.01","publisher":"Igor Pavlov"}]}\n'
)


def check_fleet(bundle: Path) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "results.log"
        log.write_text(FLEET_LOG, encoding="utf-8")
        proc = run(layout.executable(bundle, layout.CLI_NAME), "fleet", "scan", "--json", str(log))
    found = _problems(proc, ok_codes=(1,))  # 1: one host has banned software
    try:
        hosts = json.loads(proc.stdout)["summary"]["hosts"]
        if hosts != 2:
            found.append(f"fleet scan counted {hosts} hosts, expected 2")
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        found.append(f"fleet scan --json printed no summary ({exc}): {proc.stdout[:200]!r}")
    return found


CHECKS: dict[str, Callable[[Path], list[str]]] = {
    "offramp --version": check_version,
    "offramp scan --json": check_scan,
    "offramp playbooks validate": check_playbooks,
    "offramp fleet scan": check_fleet,
    "wizard --smoke-test": check_gui,
}


def default_bundles() -> list[Path]:
    bundles = [layout.DIST / layout.BUNDLE_NAME]
    app = layout.DIST / layout.APP_NAME / "Contents" / "MacOS"
    if sys.platform == "darwin" and app.is_dir():
        bundles.append(app)
    return bundles


def main(argv: list[str]) -> int:
    bundles = [Path(arg) for arg in argv] or default_bundles()
    failed = 0
    with tempfile.TemporaryDirectory(prefix="offramp-smoke-") as home:
        os.environ.setdefault("OFFRAMP_HOME", home)  # logs and state stay out of the user's folders
        for bundle in bundles:
            for name, check in CHECKS.items():
                problems = check(bundle)
                failed += bool(problems)
                print(f"{'FAIL' if problems else 'ok  '} {bundle}: {name}")
                for problem in problems:
                    print(f"       {problem}")
    print(f"{len(bundles) * len(CHECKS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
