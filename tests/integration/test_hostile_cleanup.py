"""Clean-up on a hostile machine: links, mounts and other users' files planted in the product's leftovers.

Each case installs the product in a private dpkg root, lets a silent migration remove the packages
(killed right after, at the crash hook), plants the hostile condition, and resumes: the clean-up runs
with a policy that removes leftovers. A case survives when nothing outside the product's folders
changed, the planted files of others are intact, and the report does not say clean while dpkg still
lists the product. Mount cases run the resume in a private mount namespace (`unshare -m`), never on
the host's mounts, and are skipped with the reason where that is not possible.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from offramp.core.migrate.journal import read as read_journal
from tests.conftest import REPO, run_cli
from tests.support import linux_fixtures as fx
from tests.support import matrix
from tests.support.pkgbed import DpkgRoot
from tests.support.pkgbed_fixtures import BuiltPackages

PRODUCT_PACKAGES = ("kesl", "kesl-gui", "klnagent64")
CRASH_AFTER_REMOVAL = "after:uninstall.kaspersky-network-agent"
OTHER_UID = 4321


@dataclass(frozen=True)
class Case:
    name: str
    plant: Callable[[Path, Path], list[Path]]  # (root, outside) -> files that are not the product's
    # A shell line run in a private mount namespace before the resume ($R: the root, $O: outside), and one
    # run after it that must succeed there (a tmpfs vanishes with the namespace, so it is checked inside).
    mount: str | None = None
    check: str | None = None
    needs_root: bool = False


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _replace_with_link(path: Path, target: Path | str) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def _linked_product_folder(root: Path, out: Path) -> list[Path]:
    files = [_write(out / "shared/user.txt", "a user's file"), _write(out / "shared/sub/deep.txt", "deeper")]
    _replace_with_link(root / "opt/kaspersky/kesl", out / "shared")
    return files


def _linked_product_folder_inside(root: Path, out: Path) -> list[Path]:
    files = [_write(root / "home/user/Downloads/report.pdf", "a user's download")]
    _replace_with_link(root / "opt/kaspersky/kesl", Path("../../home/user/Downloads"))
    return files


def _linked_leftover_file(root: Path, out: Path) -> list[Path]:
    files = [_write(out / "precious.txt", "not a licence key")]
    _replace_with_link(root / "etc/kaspersky/license.key", out / "precious.txt")
    return files


def _linked_leftover_folder(root: Path, out: Path) -> list[Path]:
    files = [_write(out / "cache/a.txt", "a"), _write(out / "cache/b/c.txt", "c")]
    _write(root / "var/opt/kaspersky/kesl/state.db", "product state")
    _replace_with_link(root / "var/opt/kaspersky/kesl/cache", out / "cache")
    return files


def _absolute_link_in_root(root: Path, out: Path) -> list[Path]:
    files = [_write(out / "elsewhere/kaspersky/kesl/data.txt", "outside the root")]
    _replace_with_link(root / "var/opt", out / "elsewhere")
    return files


def _relative_link_out_of_root(root: Path, out: Path) -> list[Path]:
    files = [_write(root.parent / "beside/kaspersky/kesl/data.txt", "beside the root")]
    _replace_with_link(root / "var/opt", Path("../../beside"))
    return files


def _mount_points(root: Path, out: Path) -> list[Path]:
    (root / "var/opt/kaspersky/kesl/mnt").mkdir(parents=True, exist_ok=True)
    _write(root / "var/opt/kaspersky/kesl/own.log", "product log")
    return [_write(out / "bound/user.txt", "behind a bind mount")]


def _mounted_leftover(root: Path, out: Path) -> list[Path]:
    (root / "opt/kaspersky/kesl").mkdir(parents=True, exist_ok=True)
    return [_write(out / "bound/user.txt", "the leftover itself is a mount")]


def _tmpfs_in_leftover(root: Path, out: Path) -> list[Path]:
    (root / "var/opt/kaspersky/kesl/tmp").mkdir(parents=True, exist_ok=True)
    return []


def _owned(path: Path) -> Path:
    os.chown(path, OTHER_UID, OTHER_UID)
    return path


def _others_files(root: Path, out: Path) -> list[Path]:
    note = _owned(_write(root / "var/opt/kaspersky/kesl/notes.txt", "a user's notes"))
    folder = root / "opt/kaspersky/kesl/userdir"
    inner = _write(folder / "work.txt", "a user's work")
    _owned(folder)
    _owned(inner)
    return [note, inner]


def _hard_link_to_others(root: Path, out: Path) -> list[Path]:
    doc = _owned(_write(root / "home/user/doc.txt", "a user's document"))
    (root / "var/opt/kaspersky/kesl").mkdir(parents=True, exist_ok=True)
    os.link(doc, root / "var/opt/kaspersky/kesl/doc.txt")
    return [doc]


CLASSES: dict[str, list[Case]] = {
    "symlinked product folder": [
        Case("link to a folder outside the root", _linked_product_folder),
        Case("link to a user's folder inside the root", _linked_product_folder_inside),
    ],
    "symlinked leftover": [
        Case("licence key linked to a user's file", _linked_leftover_file),
        Case("cache folder linked outside", _linked_leftover_folder),
    ],
    "absolute symlink inside --root": [
        Case("R/var/opt -> /elsewhere", _absolute_link_in_root),
        Case("R/var/opt -> ../../beside", _relative_link_out_of_root),
    ],
    "mount inside a leftover": [
        Case(
            "bind mount inside the product folder",
            _mount_points,
            mount='mount --bind "$O/bound" "$R/var/opt/kaspersky/kesl/mnt"',
        ),
        Case(
            "the product folder is a bind mount",
            _mounted_leftover,
            mount='mount --bind "$O/bound" "$R/opt/kaspersky/kesl"',
        ),
        Case(
            "tmpfs (another device) inside the product folder",
            _tmpfs_in_leftover,
            mount='T="$R/var/opt/kaspersky/kesl/tmp"; mount -t tmpfs offramp-test "$T" && echo kept > "$T/f"',
            check='test "$(cat "$R/var/opt/kaspersky/kesl/tmp/f")" = kept',
        ),
    ],
    "files owned by another user": [
        Case("a user's notes and folder in product folders", _others_files, needs_root=True),
        Case("a hard link to a user's document", _hard_link_to_others, needs_root=True),
    ],
}


def _mount_namespace_works() -> str | None:
    """None when a private mount namespace with bind mounts can be made here; otherwise why not."""
    if shutil.which("unshare") is None:
        return "unshare is not installed"
    args = ["unshare", "-m", "--propagation", "private"] + ([] if os.geteuid() == 0 else ["-r"])
    probe = subprocess.run(
        [*args, "sh", "-c", 'd=$(mktemp -d) && mount --bind "$d" "$d" && umount "$d"; s=$?; rmdir "$d"; exit $s'],
        capture_output=True,
        text=True,
        check=False,
    )
    return None if probe.returncode == 0 else f"no private mount namespace here: {probe.stderr.strip()}"


def _snapshot(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _resume(case: Case, root: Path, out: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "offramp", "resume", "--silent"]
    if case.mount is None:
        return subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    script = f'{case.mount} || exit 99; "$@"; rc=$?; {case.check or "true"} || exit 98; exit $rc'
    prefix = ["unshare", "-m", "--propagation", "private"] + ([] if os.geteuid() == 0 else ["-r"])
    return subprocess.run(
        [*prefix, "sh", "-c", script, "sh", *argv],
        cwd=REPO,
        env={**env, "R": str(root), "O": str(out)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _run_case(case: Case, base: Path, built: BuiltPackages) -> str | None:
    """Runs one case; None when it survived, otherwise what went wrong."""
    bed = DpkgRoot(base / "root")
    bed.install(*(built.deb(s) for s in (fx.KESL, fx.KESL_GUI, fx.KLNAGENT64)))
    out, home = base / "outside", base / "home"
    out.mkdir()
    policy = _write(base / "policy.yaml", "kind: policy\nschema_version: 1\nleftovers: {silent: remove}\n")
    report = base / "report.json"
    env = {**os.environ, "OFFRAMP_HOME": str(home)}
    killed = run_cli(
        "migrate", "--silent", "--remove-only", "--root", str(bed.path), "--policy", str(policy),
        "--report", str(report), env={**env, "OFFRAMP_TEST_CRASH_AT": CRASH_AFTER_REMOVAL},
    )  # fmt: skip
    if killed.returncode != -signal.SIGKILL:
        return f"the migration was not stopped after the removal: {killed.returncode} {killed.stderr[-300:]}"
    precious = {path: path.read_bytes() for path in case.plant(bed.path, out)}
    outside_before = _snapshot(out)
    resumed = _resume(case, bed.path, out, env)
    problems = []
    if resumed.returncode in (98, 99):
        problems.append(
            f"the namespace {'check' if resumed.returncode == 98 else 'mount'} failed: {resumed.stderr[-300:]}"
        )
    elif resumed.returncode != 0:
        problems.append(f"resume exited {resumed.returncode}: {resumed.stdout[-300:]} {resumed.stderr[-300:]}")
    if _snapshot(out) != outside_before:
        problems.append("files outside the root changed")
    for path, data in precious.items():
        if not path.is_file() or path.read_bytes() != data:
            problems.append(f"{path.relative_to(base)} was lost")
    listed = {
        name
        for name, (_v, status) in bed.states().items()
        if name in PRODUCT_PACKAGES and "not-installed" not in status
    }
    verdict = json.loads(report.read_text()).get("rescan", {}).get("verdict") if report.exists() else None
    events = read_journal(home / "state" / "journal.jsonl").events
    if not any(e["event"] == "cleanup.removed" for e in events):
        problems.append("the clean-up removed nothing at all")  # surviving by doing nothing is no survival
    if verdict == "clean" and listed:
        problems.append(f"the report says clean while dpkg lists {sorted(listed)}")
    return "; ".join(problems) or None


@pytest.mark.slow
@pytest.mark.parametrize("klass", list(CLASSES))
def test_clean_up_survives_a_hostile_machine(
    klass: str, tmp_path: Path, built_packages: BuiltPackages, request: pytest.FixtureRequest
) -> None:
    failures, tried, skipped = [], 0, []
    why_not = _mount_namespace_works()
    for index, case in enumerate(CLASSES[klass]):
        if case.mount and why_not:
            skipped.append(f"{case.name}: {why_not}")
            continue
        if case.needs_root and os.geteuid() != 0:
            skipped.append(f"{case.name}: giving files to another user needs root")
            continue
        tried += 1
        problem = _run_case(case, tmp_path / f"case{index}", built_packages)
        if problem:
            failures.append(f"{case.name}: {problem}")
    matrix.report(request.config, klass, tried, failures)
    if not tried:
        pytest.skip("; ".join(skipped))
    assert not failures, failures


_MOUNTED_VAR = """
import sys
from pathlib import Path
from offramp.core.platform import deletion
from offramp.core.scan.matching import is_under

root, target = Path(sys.argv[1]), "/var/opt/kaspersky/kesl"
(root / "var/opt/kaspersky/kesl/common").mkdir(parents=True)
(root / "var/opt/kaspersky/kesl/common/kesl.ini").write_text("product settings")
product = deletion.delete(root, target, named=lambda path: is_under(path, target))
assert product.ok and not (root / "var/opt/kaspersky/kesl").exists(), product
(root / "var/opt/kaspersky/kesl").mkdir()
whole = deletion.delete(root, target, named=lambda path: is_under(path, "/var"))
assert not whole.ok and "mount point" in whole.kept[0][1], whole
print("checked")
"""


def test_a_separate_var_is_the_systems_and_a_mount_on_a_named_folder_is_not(tmp_path: Path) -> None:
    if why_not := _mount_namespace_works():
        pytest.skip(why_not)
    root = tmp_path / "root"
    (root / "var").mkdir(parents=True)
    prefix = ["unshare", "-m", "--propagation", "private"] + ([] if os.geteuid() == 0 else ["-r"])
    script = 'mount -t tmpfs offramp-var "$1/var" && exec "$0" -c "$2" "$1"'
    result = subprocess.run(
        [*prefix, "sh", "-c", script, sys.executable, str(root), _MOUNTED_VAR],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and "checked" in result.stdout, result.stderr
