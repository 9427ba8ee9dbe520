"""Root trusts only itself: system folders whatever the caller's environment, an OFFRAMP_HOME only when no one
but root can change it, explicit modes under any umask, and no symlink, FIFO or device at Offramp's own
file names ever followed, opened or waited on."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from offramp import cli
from offramp.core import eventlog, paths
from offramp.core.migrate import statefile
from offramp.core.migrate.download import download
from offramp.core.migrate.journal import Journal
from offramp.core.migrate.recorderrors import RecordError
from offramp.core.migrate.sealed import SealError, sealed_copy
from offramp.core.platform.linux import RESUME_UNIT, LinuxBackend
from tests.matrix.tally import Tally, bounded
from tests.support.http_server import HttpServer

AS_ROOT = os.geteuid() == 0
NOBODY = 65534
HANG_GUARD = 30  # seconds a refused special file may take before the case counts as a hang (it takes ms)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


# --- where an elevated run keeps its files -------------------------------------------------------------


def test_elevated_runs_use_system_folders_whatever_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tally = Tally("elevated folders ignore the caller's environment")
    user = tmp_path / "user"
    monkeypatch.delenv("OFFRAMP_HOME")
    expected = {"state": "/var/lib/offramp", "cache": "/var/cache/offramp", "logs": "/var/log/offramp"}
    finders = {"state": paths.state_dir, "cache": paths.cache_dir, "logs": paths.log_dir}
    environments = {
        "HOME only": {"HOME": str(user)},
        "XDG_* (sudo -E)": {f"XDG_{k}_HOME": str(user / k) for k in ("STATE", "CACHE", "DATA", "CONFIG")},
        "HOME and XDG_*": {"HOME": str(user), "XDG_STATE_HOME": str(user / "s"), "XDG_CACHE_HOME": str(user / "c")},
    }
    monkeypatch.setattr(paths, "elevated", lambda: True)
    monkeypatch.setattr(paths, "_posix_system", lambda: "linux")
    for label, env in environments.items():
        with monkeypatch.context() as m:
            for key, value in env.items():
                m.setenv(key, value)
            for kind, finder in finders.items():
                tally.case(f"{label}: {kind}", str(finder()) == expected[kind], str(finder()))
    monkeypatch.setattr(paths, "elevated", lambda: False)
    monkeypatch.setenv("XDG_STATE_HOME", str(user / "state-home"))
    tally.case("not elevated: the user's folders", str(paths.state_dir()).startswith(str(user)), str(paths.state_dir()))
    tally.report()


def _scan(home: Path, inventory: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    os.environ["OFFRAMP_HOME"] = str(home)
    code = cli.main(["scan", "--inventory", str(inventory)])
    return code, capsys.readouterr().err


@pytest.mark.skipif(not AS_ROOT, reason="folders owned by another user can only be made by root")
def test_an_elevated_run_refuses_an_offramp_home_others_can_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tally = Tally("OFFRAMP_HOME when elevated")
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps({"platform": "linux"}))

    def folder(name: str, folder_mode: int, owner: int = 0, parent_mode: int = 0o755, parent_owner: int = 0) -> Path:
        parent = tmp_path / name
        parent.mkdir()
        os.chmod(parent, parent_mode)
        os.chown(parent, parent_owner, -1)
        home = parent / "home"
        home.mkdir()
        os.chmod(home, folder_mode)
        os.chown(home, owner, -1)
        return home

    refused = {
        "owned by another user": folder("a", 0o700, owner=NOBODY),
        "writable by everyone": folder("b", 0o777),
        "writable by its group": folder("c", 0o770),
        "in a folder another user owns": folder("d", 0o700, parent_owner=NOBODY),
        "in a folder everyone can write (not sticky)": folder("e", 0o700, parent_mode=0o777),
    }
    link_parent = folder("f", 0o700, owner=NOBODY)
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "home").symlink_to(link_parent)
    refused["a symlink to a folder another user owns"] = tmp_path / "g" / "home"
    accepted = {"root's, 0700": folder("h", 0o700), "root's, 0755": folder("i", 0o755)}
    with monkeypatch.context():
        for label, home in refused.items():
            code, err = _scan(home, inventory, capsys)
            survived = code == 2 and "not safe for an elevated Offramp" in err and not (home / "logs").exists()
            tally.case(f"refused: {label}", survived, f"exit {code}: {err.strip()}")
        for label, home in accepted.items():
            code, err = _scan(home, inventory, capsys)
            tally.case(f"accepted: {label}", code == 0 and mode(home / "logs") == 0o700, f"exit {code}: {err}")
    tally.report()


# --- modes whatever the umask ---------------------------------------------------------------------------


def test_everything_offramp_writes_is_private_under_umask_000(tmp_path: Path, private_home: Path) -> None:
    tally = Tally("modes under umask 000")
    payload = b"installer bytes" * 100
    sha = hashlib.sha256(payload).hexdigest()
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    old = os.umask(0)
    try:
        statefile.write_json(paths.state_dir() / "migration.json", {"version": 1})
        admins = tmp_path / "admins-reports"
        admins.mkdir(mode=0o755)
        statefile.write_json(admins / "report.json", {"version": 1})  # --report FILE in a folder of the admin's
        Journal(paths.state_dir() / "journal.jsonl").append("run.start")
        log = eventlog.setup(console=False)
        eventlog.event("test.event", "a line")
        unit = Path(LinuxBackend(sandbox).register_resume(["/usr/bin/offramp", "resume"]))
        with HttpServer() as server:
            url = server.add("/setup.bin", payload)
            staged = download(
                url, paths.cache_dir() / "downloads", sha256=sha, max_size=10**6, allow_loopback_http=True
            )
        with sealed_copy(staged, sha, paths.cache_dir() / "run") as runnable:
            sealed = {"the sealed copy's folder": (runnable.parent, 0o700), "the sealed copy": (runnable, 0o600)}
            seen_sealed = {label: mode(p) for label, (p, _) in sealed.items()}
    finally:
        os.umask(old)
        eventlog.setup(console=False)
    expected: dict[str, tuple[Path, int]] = {
        "state folder": (paths.state_dir(), 0o700),
        "state file": (paths.state_dir() / "migration.json", 0o600),
        "journal": (paths.state_dir() / "journal.jsonl", 0o600),
        "log folder": (log.parent, 0o700),
        "log file": (log, 0o600),
        "download folder": (staged.parent, 0o700),
        "staged installer": (staged, 0o600),
        "a report in the admin's own folder": (admins / "report.json", 0o600),
        "the admin's folder, left as it was": (admins, 0o755),
        "restart unit": (unit, 0o644),
        "restart unit's folder (created)": (unit.parent, 0o755),
        "restart unit's link folder": (sandbox / "etc/systemd/system/multi-user.target.wants", 0o755),
    }
    for label, (path, wanted) in expected.items():
        tally.case(label, mode(path) == wanted, f"{path} is {mode(path):04o}, expected {wanted:04o}")
    for label, (_, wanted) in sealed.items():
        tally.case(label, seen_sealed[label] == wanted, f"{seen_sealed[label]:04o}")
    tally.report()


# --- special files at Offramp's names ---------------------------------------------------------------------


def _plant(kind: str, at: Path, tmp_path: Path) -> Path | None:
    """Puts a special file at `at`; returns a file that must stay untouched (a symlink's target)."""
    at.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(at)
    elif kind == "symlink":
        target = tmp_path / f"victim-{at.parent.parent.name}-{at.parent.name}-{at.name}"
        target.write_text("someone else's file\n")
        at.symlink_to(target)
        return target
    elif kind == "symlink to a fifo":
        fifo = tmp_path / f"fifo-{at.parent.parent.name}-{at.parent.name}-{at.name}"
        os.mkfifo(fifo)
        at.symlink_to(fifo)
    elif kind == "device":
        os.mknod(at, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers
    elif kind == "folder":
        at.mkdir()
    return None


KINDS = ["fifo", "symlink", "symlink to a fifo", "folder"] + (["device"] if AS_ROOT else [])


def test_special_files_at_offramps_names_are_refused_without_hanging(tmp_path: Path, private_home: Path) -> None:
    tally = Tally("special files at Offramp's names")
    payload = b"installer bytes" * 100
    sha = hashlib.sha256(payload).hexdigest()
    with HttpServer() as server:
        url = server.add("/setup.bin", payload)
        for n, kind in enumerate(KINDS):
            base = tmp_path / f"case-{n}"
            sites = _sites(base, kind, url, sha, payload)
            for site, (at, action, ok) in sites.items():
                victim = _plant(kind, at, tmp_path)
                finished, result = bounded(action, HANG_GUARD)
                untouched = victim is None or victim.read_text() == "someone else's file\n"
                tally.case(
                    f"{kind} at the {site}",
                    finished and ok(result) and untouched,
                    "hung" if not finished else f"{result!r}; victim untouched: {untouched}",
                )
                if not finished:
                    _release(at)
    eventlog.setup(console=False)
    tally.report()


Site = tuple[Path, Callable[[], Any], Callable[[Any], bool]]


def _sites(base: Path, kind: str, url: str, sha: str, payload: bytes) -> dict[str, Site]:
    """Each of Offramp's file names: (where to plant the special file, what Offramp does there, what is right)."""
    downloads = base / "downloads"
    return {
        "journal": (
            base / "state" / "journal.jsonl",
            lambda: Journal(base / "state" / "journal.jsonl").append("x"),
            # The special file is set aside and a fresh journal, a regular file, takes the event.
            lambda r: isinstance(r, dict) and _regular(base / "state" / "journal.jsonl"),
        ),
        "state file (read)": (
            base / "state2" / "migration.json",
            lambda: statefile.read(base / "state2" / "migration.json"),
            lambda r: isinstance(r, RecordError),
        ),
        "log file": (
            base / "logs" / "offramp.jsonl",
            lambda: eventlog.setup(base / "logs" / "offramp.jsonl", console=False),
            lambda r: isinstance(r, Path),  # carries on without a file, after a warning
        ),
        "staged installer (final name)": (
            downloads / "setup.bin",
            lambda: download(
                url, downloads, sha256=sha, max_size=10**6, filename="setup.bin", allow_loopback_http=True
            ),
            lambda r: (
                isinstance(r, paths.NotARegularFile)
                if kind == "folder"
                else isinstance(r, Path) and r.read_bytes() == payload and not r.is_symlink()
            ),
        ),
        "staged installer (.part)": (
            base / "downloads2" / "setup.bin.part",
            lambda: download(
                url,
                base / "downloads2",
                sha256=sha,
                max_size=10**6,
                filename="setup.bin",
                allow_loopback_http=True,
            ),
            lambda r: (
                isinstance(r, paths.NotARegularFile)
                if kind == "folder"
                else isinstance(r, Path) and r.read_bytes() == payload
            ),
        ),
        "installer handed to the install step": (
            base / "downloads3" / "setup.bin",
            lambda: _sealed(base / "downloads3" / "setup.bin", sha, base / "run"),
            lambda r: isinstance(r, SealError),
        ),
        "restart unit (temporary name)": (
            base / "root" / "etc/systemd/system" / f".{RESUME_UNIT}.tmp",
            lambda: LinuxBackend(base / "root").register_resume(["offramp", "resume"]),
            lambda r: (
                isinstance(r, paths.NotARegularFile)
                if kind == "folder"
                else isinstance(r, str) and not Path(r).is_symlink()
            ),
        ),
    }


def _regular(path: Path) -> bool:
    return stat.S_ISREG(os.lstat(path).st_mode)


def _sealed(path: Path, sha: str, workroom: Path) -> Any:
    with sealed_copy(path, sha, workroom) as copy:
        return copy


def _release(fifo: Path) -> None:
    """Opens a FIFO's other end so a thread blocked on it can finish (only after a failed case)."""
    try:
        fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
        os.close(fd)
    except OSError:
        pass
