"""Records under a hostile, messy machine: one migration at a time, and records that heal or say why.

Every case runs the real command line against a private dpkg root and ends in a documented exit code
with a sentence, never 70 and never a traceback. A full or read-only state folder is a real tmpfs in
a private mount namespace (`unshare -rm`), so the host's mounts are never touched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from offramp.core import exitcodes
from offramp.core.migrate import journal
from tests.conftest import REPO, run_cli
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import DpkgRoot
from tests.support.pkgbed_fixtures import require_tools
from tests.support.playbook_fixtures import pinned_playbook
from tests.support.testbeds import unavailable

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

LOOPBACK = {"OFFRAMP_ALLOW_LOOPBACK_HTTP": "1"}
FIXTURE = REPO / "tests" / "fixtures" / "records" / "v1"


class Bed:
    """A dpkg root with the banned packages, a loopback server with the replacement, and the migrate command."""

    def __init__(self, dpkg_root: DpkgRoot, built: BuiltPackages, folder: Path, home: Path, server: HttpServer):
        dpkg_root.install(*(built.deb(s) for s in (fx.KESL, fx.KESL_GUI, fx.KLNAGENT64)))
        self.payload = built.deb(fx.OFFRAMP_TEST_AV).read_bytes()
        self.url = server.add("/offramp-test-av_1.0_all.deb", self.payload)
        self.playbook = pinned_playbook(folder, "linux", self.url, self.payload)
        self.root = dpkg_root.path
        self.home = home
        self.state = home / "state"

    def assert_migrated(self) -> None:
        """The end an uninterrupted run reaches: the banned packages gone, the replacement installed."""
        installed = DpkgRoot(self.root).installed()
        assert not {"kesl", "kesl-gui", "klnagent64"} & set(installed) and "offramp-test-av" in installed

    def migrate_argv(self) -> list[str]:
        return ["migrate", "--silent", "--root", str(self.root), "--to", str(self.playbook)]

    def old_state(self) -> None:
        """The state file and journal the previous format wrote after its first step, for this machine."""
        import hashlib

        text = (FIXTURE / "migration.json").read_text()
        for key, value in {"@ROOT@": str(self.root), "@PLAYBOOK@": str(self.playbook), "@URL@": self.url}.items():
            text = text.replace(key, value)
        text = text.replace('"@SIZE@"', str(len(self.payload))).replace(
            "@SHA256@", hashlib.sha256(self.payload).hexdigest()
        )
        self.state.mkdir(parents=True, exist_ok=True)
        (self.state / "migration.json").write_text(text)
        shutil.copy(FIXTURE / "journal.jsonl", self.state / "journal.jsonl")


@pytest.fixture
def bed(dpkg_root: DpkgRoot, built_packages: BuiltPackages, tmp_path: Path, private_home: Path):
    with HttpServer() as server:
        yield Bed(dpkg_root, built_packages, tmp_path, private_home, server)


def calm(result: subprocess.CompletedProcess[str], code: int) -> None:
    """The run ended in `code` with words, not a traceback or an internal error."""
    out = result.stdout + result.stderr
    assert result.returncode == code % 256, out  # POSIX keeps the low 8 bits: 1618 arrives as 82
    assert "Traceback" not in out and "internal error" not in out


def assert_journal_sound(state: Path) -> None:
    """One run per journal, never two interleaved, and the chain intact."""
    events = journal.read(state / "journal.jsonl").events
    starts = [e for e in events if e["event"] in ("run.start", "run.resume")]
    assert events and starts, events
    assert journal.verify(state / "journal.jsonl").ok
    codes = {e.get("support_code") for e in starts}
    assert len(codes) == 1, codes


# --- one migration at a time -----------------------------------------------------------------------


def hold_lock(home: Path) -> subprocess.Popen[str]:
    """Another Offramp process holding the migration lock, until its stdin closes."""
    code = (
        "import sys\nfrom offramp.core.migrate.records import lock_path\n"
        "from offramp.core.migrate.runlock import RunLock\n"
        "lock = RunLock(lock_path()).acquire()\nprint('held', flush=True)\nsys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**__import__("os").environ, "OFFRAMP_HOME": str(home)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


@pytest.mark.slow
@pytest.mark.parametrize("command", ["migrate", "resume"])
def test_a_second_migration_exits_1618_while_one_holds_the_lock(bed: Bed, command: str) -> None:
    bed.old_state()
    holder = hold_lock(bed.home)
    try:
        second = run_cli(*(bed.migrate_argv() if command == "migrate" else ["resume", "--silent"]), env=LOOPBACK)
    finally:
        holder.communicate(timeout=30)  # closes its stdin: it lets go and ends
    calm(second, exitcodes.RETRY_LATER)
    assert "another Offramp migration is running" in second.stderr and f"process {holder.pid}" in second.stderr
    assert (bed.state / "migration.json").read_text().count('"status": "done"') == 1  # nothing was touched
    then = run_cli("resume", "--silent", env=LOOPBACK)  # the lock died with its process
    calm(then, exitcodes.SUCCESS)
    bed.assert_migrated()


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(3))
def test_two_real_migrations_racing_never_both_run(bed: Bed, attempt: int) -> None:
    import os

    env = {**os.environ, **LOOPBACK}
    argv = [sys.executable, "-m", "offramp", *bed.migrate_argv()]
    both = [
        subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in both]
    results = [(p.returncode, out + err) for p, (out, err) in zip(both, outputs, strict=True)]
    codes = sorted(code for code, _ in results)
    for _code, out in results:
        assert "Traceback" not in out
    # Either they overlapped (one ran, the other was told to retry) or they did not (the second found nothing).
    assert codes in ([0, exitcodes.RETRY_LATER % 256], [0, 0]), results
    if codes == [0, 0]:
        assert any("Nothing banned was found" in out for _c, out in results)
    assert_journal_sound(bed.state)
    assert [e["event"] for e in journal.read(bed.state / "journal.jsonl").events].count("run.start") == 1
    bed.assert_migrated()


# --- records that heal or say why ------------------------------------------------------------------


DAMAGED_STATES = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "nul-filled": lambda p: p.write_bytes(b"\0" * len(p.read_bytes())),
    "empty": lambda p: p.write_bytes(b""),
    "wrong-shape-array": lambda p: p.write_text("[1, 2, 3]"),
    "wrong-shape-steps": lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "steps": [1]})),
    "wrong-shape-plan": lambda p: p.write_text(
        json.dumps({**json.loads(p.read_text()), "plan": {"steps": [{"x": 1}]}})
    ),
    "wrong-options": lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "options": {"colour": "red"}})),
    "folder": lambda p: (p.unlink(), p.mkdir(), (p / "x").write_text("x")),
}


@pytest.mark.slow
@pytest.mark.parametrize("damage", list(DAMAGED_STATES))
def test_a_damaged_state_is_kept_aside_then_migrate_starts_afresh(bed: Bed, damage: str) -> None:
    bed.old_state()
    DAMAGED_STATES[damage](bed.state / "migration.json")
    resumed = run_cli("resume", "--silent", env=LOOPBACK)
    calm(resumed, exitcodes.RECORD_DAMAGED)
    assert "damaged" in resumed.stderr and "offramp migrate" in resumed.stderr
    kept = [p for p in bed.state.iterdir() if p.name.startswith("migration.json.damaged-")]
    assert len(kept) == 1 and not (bed.state / "migration.json").exists()
    again = run_cli(*bed.migrate_argv(), env=LOOPBACK)  # healed: the next run works
    calm(again, exitcodes.SUCCESS)
    bed.assert_migrated()
    assert_journal_sound(bed.state)


# The state's one reader refuses a plan or options that do not read, so `migrate` keeps those aside too.
@pytest.mark.slow
@pytest.mark.parametrize("damage", list(DAMAGED_STATES))
def test_migrate_over_a_damaged_state_keeps_it_aside_and_runs(bed: Bed, damage: str) -> None:
    bed.old_state()
    DAMAGED_STATES[damage](bed.state / "migration.json")
    result = run_cli(*bed.migrate_argv(), env=LOOPBACK)
    calm(result, exitcodes.SUCCESS)
    bed.assert_migrated()
    events = journal.read(bed.state / "journal.jsonl").events
    assert events[0]["event"] == "state.set_aside" and (bed.state / events[0]["kept_as"]).exists()


DAMAGED_JOURNALS = {
    "folder": lambda p: (p.unlink(), p.mkdir()),
    "nul-filled": lambda p: p.write_bytes(b"\0" * 5000),
    "long-torn-tail": lambda p: p.write_bytes(p.read_bytes() + b'{"event":"step.act","x":"' + b"y" * 100_000),
    "damaged-last-line": lambda p: p.write_bytes(p.read_bytes() + b"\0\0\0\n"),
}


@pytest.mark.slow
@pytest.mark.parametrize("damage", list(DAMAGED_JOURNALS))
def test_resume_heals_a_damaged_journal(bed: Bed, damage: str) -> None:
    bed.old_state()
    DAMAGED_JOURNALS[damage](bed.state / "journal.jsonl")
    result = run_cli("resume", "--silent", env=LOOPBACK)
    calm(result, exitcodes.SUCCESS)
    bed.assert_migrated()
    events = journal.read(bed.state / "journal.jsonl").events
    assert journal.verify(bed.state / "journal.jsonl").ok
    if damage == "long-torn-tail":
        assert events[0]["event"] == "run.start"  # the 100 KB tear did not take the complete lines with it
    aside = [p.name for p in bed.state.iterdir() if ".damaged-" in p.name or ".torn-" in p.name]
    assert aside, "the damaged part is kept for a person to look at"


@pytest.mark.slow
def test_the_previous_state_format_resumes_to_the_end(bed: Bed) -> None:
    bed.old_state()
    result = run_cli("resume", "--silent", env=LOOPBACK)
    calm(result, exitcodes.SUCCESS)
    bed.assert_migrated()
    state = json.loads((bed.state / "migration.json").read_text())
    assert state["finished"] is True and state["steps"]["preflight"]["attempts"] == 1  # not run again
    report = json.loads((bed.state / "report.json").read_text())
    verified = run_cli("journal", "verify", "--report", str(bed.state / "report.json"))
    calm(verified, exitcodes.SUCCESS)
    assert report["journal"]["lines"] == len(journal.read(bed.state / "journal.jsonl").events)


@pytest.mark.slow
def test_a_newer_format_is_refused_and_left_alone(bed: Bed) -> None:
    bed.old_state()
    path = bed.state / "migration.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "version": 7}))
    for argv in (["resume", "--silent"], bed.migrate_argv()):
        result = run_cli(*argv, env=LOOPBACK)
        calm(result, exitcodes.RECORD_DAMAGED)
        assert "newer Offramp" in result.stderr
    assert json.loads(path.read_text())["version"] == 7


@pytest.mark.slow
def test_abandon_clears_a_stuck_migration_deliberately(bed: Bed) -> None:
    bed.old_state()
    support_code = json.loads((bed.state / "migration.json").read_text())["support_code"]
    pending = run_cli("resume", "--pending")  # what an uninstaller asks before it offers to clear it
    calm(pending, exitcodes.SUCCESS)
    assert "An unfinished migration is recorded" in pending.stdout and support_code in pending.stdout
    assert (bed.state / "migration.json").exists()  # asking changes nothing
    abandoned = run_cli("resume", "--abandon")
    calm(abandoned, exitcodes.SUCCESS)
    assert not (bed.state / "migration.json").exists()
    assert any(p.name.startswith("migration.json.abandoned-") for p in bed.state.iterdir())
    assert journal.read(bed.state / "journal.jsonl").events[-1]["event"] == "run.abandoned"
    calm(run_cli("resume", "--silent"), exitcodes.USAGE)  # nothing left to resume
    calm(run_cli("resume", "--pending"), exitcodes.NOTHING_PENDING)
    calm(run_cli(*bed.migrate_argv(), env=LOOPBACK), exitcodes.SUCCESS)
    bed.assert_migrated()
    calm(run_cli("resume", "--pending"), exitcodes.NOTHING_PENDING)  # a finished migration is not pending


# --- full and read-only state folders, for real ----------------------------------------------------


def in_small_tmpfs(
    bed: Bed, argv: list[str], *, size: str, fill: bool, read_only: bool, seed: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs the CLI with the state folder on a tmpfs of `size` in a private mount namespace (holding `seed`'s files)."""
    require_tools(["unshare"], "a private mount namespace")
    import os
    import shlex

    bed.state.mkdir(parents=True, exist_ok=True)
    script = [f"mount -t tmpfs -o size={size},mode=0700 tmpfs {shlex.quote(str(bed.state))}"]
    if seed is not None:
        script.append(f"cp -a {shlex.quote(str(seed))}/. {shlex.quote(str(bed.state))}/")
    if fill:
        script.append(f"dd if=/dev/zero of={shlex.quote(str(bed.state / 'filler'))} bs=4k 2>/dev/null || true")
    if read_only:
        script.append(f"mount -o remount,ro {shlex.quote(str(bed.state))}")
    script.append(" ".join(shlex.quote(a) for a in [sys.executable, "-m", "offramp", *argv]))
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        unavailable("this kernel does not allow private mount namespaces (unshare -rm)")
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", " && ".join(script[:-1]) + " ; " + script[-1]],
        cwd=REPO,
        env={**os.environ, **LOOPBACK},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "case, size, fill, read_only",
    [
        ("full", "64k", True, False),
        ("fills-at-first-state", "16k", False, False),
        ("fills-mid-run", "24k", False, False),
        ("fills-later", "28k", False, False),
        ("read-only", "64k", False, True),
    ],
)
def test_a_full_or_read_only_state_folder_says_what_to_do(
    bed: Bed, case: str, size: str, fill: bool, read_only: bool
) -> None:
    result = in_small_tmpfs(bed, bed.migrate_argv(), size=size, fill=fill, read_only=read_only)
    calm(result, exitcodes.RECORDS_INACCESSIBLE)
    assert ("full" if case != "read-only" else "cannot be written") in result.stderr
    # Afterwards, with room again (the tmpfs went with its namespace), the machine resumes or migrates to the end.
    unfinished = (bed.state / "migration.json").exists()
    again = run_cli(*(["resume", "--silent"] if unfinished else bed.migrate_argv()), env=LOOPBACK)
    calm(again, exitcodes.SUCCESS)
    bed.assert_migrated()


@pytest.mark.slow
@pytest.mark.parametrize("command", ["resume", "migrate"])
def test_a_damaged_state_in_a_read_only_folder_says_what_to_do(bed: Bed, tmp_path: Path, command: str) -> None:
    bed.old_state()
    (bed.state / "migration.json").write_bytes(b"\0" * 512)
    seed = tmp_path / "seed"
    shutil.copytree(bed.state, seed)
    argv = ["resume", "--silent"] if command == "resume" else bed.migrate_argv()
    result = in_small_tmpfs(bed, argv, size="64k", fill=False, read_only=True, seed=seed)
    calm(result, exitcodes.RECORDS_INACCESSIBLE)
    assert "cannot be written" in result.stderr
