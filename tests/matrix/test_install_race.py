"""The check-to-use race on a staged installer: another process swaps the staging folder in a loop while
Offramp verifies the installer and runs it. Offramp runs a private copy of the bytes it hashed, so the
swapped-in package must never be what runs.

The attacker renames the staging folder away and a folder holding its own package of the same name
into place, back and forth, as fast as it can. The "installer" is a real separate process
(sha256sum) that opens the path Offramp hands it, as dpkg or msiexec would. For contrast the same
race is run against the naive order (verify the staged path, then run the staged path) and its
wins are printed; that figure is not asserted, because a race the naive code loses only by luck
must not fail the suite.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offramp.core import exitcodes
from offramp.core.migrate.download import verify_file
from offramp.core.migrate.plan import Step
from offramp.core.migrate.steps import act_install
from offramp.core.platform import commands
from tests.matrix.tally import Tally

TRIES = 300
GOOD = b"the package the playbook pins\n" * 1000
EVIL = b"a user's own package, to be run as root\n" * 1000
GOOD_SHA = hashlib.sha256(GOOD).hexdigest()
EVIL_SHA = hashlib.sha256(EVIL).hexdigest()


@dataclass
class RunsWhatItIsGiven:
    """A back-end whose installer is a separate process reading the path it is given, as dpkg -i does."""

    ran: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    restarted: list[str] = field(default_factory=list)
    disagreed: list[str] = field(default_factory=list)

    def install(self, params: dict[str, Any], staged: Path | None, timeout: float) -> Any:
        from offramp.core.platform.base import ActionResult

        # A machine under load may fail to start the reader or let it overrun (seen once in a full suite
        # run): that is the test bed, not the race, so the reader is started again, and what it said is
        # kept for the failure message if it never reads the file.
        for _ in range(3):
            result = commands.run(["sha256sum", str(staged)], timeout=120, log=False)
            if result.returncode is not None:
                break
            self.restarted.append("timed out" if result.timed_out else f"could not start: {result.error}")
        # What the path holds while the installer has it, read here too: the count rests on the bytes, and
        # the reader's own answer is checked against them (once in a loaded full run the two disagreed).
        held = hashlib.sha256(Path(str(staged)).read_bytes()).hexdigest()
        said = result.stdout.split(" ")[0] if result.ok else ""
        self.ran.append(EVIL_SHA if EVIL_SHA in (held, said) else held)  # either read counts as a win for the attacker
        if not result.ok:
            self.unread.append(f"rc={result.returncode} error={result.error!r} stderr={result.stderr.strip()!r}")
        elif said != held:
            # Seen once in a full run: the reader exited 0 having written nothing, and in another try the
            # test read bytes that were neither package. Size, inode and a second read tell a changed
            # file from a short read.
            try:
                st = os.stat(str(staged))
                facts = f"{st.st_size} bytes (each package is {len(GOOD)} or {len(EVIL)}), inode {st.st_ino}, "
                facts += f"read again {hashlib.sha256(Path(str(staged)).read_bytes()).hexdigest()}"
            except OSError as exc:
                facts = f"cannot be read again ({exc.strerror})"
            self.disagreed.append(
                f"{staged}: the reader said {result.stdout!r} (stderr {result.stderr!r}), "
                f"the file holds {held}; {facts}"
            )
        return ActionResult(True, "installed")


class Ctx:
    """What act_install reads from a migration context, and nothing more."""

    def __init__(self, downloads: Path, backend: RunsWhatItIsGiven) -> None:
        self.downloads_dir = downloads
        self.backend = backend
        self.replacement = None
        self.plan = type("P", (), {"platform": "linux"})()
        self.options = type("O", (), {"step_timeout": 60.0})()
        self.data = {"path": str(downloads / "pkg.deb")}

    def step_data(self, step_id: str) -> dict[str, Any]:
        return self.data


def _exchange() -> Any:
    """renameat2(RENAME_EXCHANGE): swaps two paths atomically, so the staged path is never missing, only
    alternately the pinned package and the attacker's (Linux 3.15+, glibc 2.28+); None where unavailable."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return None
    at_fdcwd, rename_exchange = -100, 2

    def swap(a: Path, b: Path) -> None:
        if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) != 0:
            raise OSError(ctypes.get_errno(), "renameat2 failed")

    return swap


class Swapper(threading.Thread):
    """Swaps the staging folder with the attacker's folder until told to stop."""

    def __init__(self, staging: Path, attacker: Path) -> None:
        super().__init__(daemon=True)
        self.staging, self.attacker, self.parked = staging, attacker, staging.with_name("parked")
        self.stop = threading.Event()
        self.swaps = 0
        self.exchange = _exchange()

    def run(self) -> None:
        while not self.stop.is_set():
            if self.exchange is not None:
                self.exchange(self.staging, self.attacker)
            else:  # two renames each way: the staged path is briefly missing in between
                os.rename(self.staging, self.parked)
                os.rename(self.attacker, self.staging)
                os.rename(self.staging, self.attacker)
                os.rename(self.parked, self.staging)
            self.swaps += 1
        if self.swaps % 2 and self.exchange is not None:
            self.exchange(self.staging, self.attacker)  # leave the pinned package in place


def _race(tmp_path: Path, use: Any) -> tuple[int, int, int]:
    cache = tmp_path / "cache"
    staging, attacker = cache / "downloads", cache / "attacker"
    for folder, body in ((staging, GOOD), (attacker, EVIL)):
        folder.mkdir(parents=True)
        (folder / "pkg.deb").write_bytes(body)
    os.chmod(cache, 0o700)
    backend = RunsWhatItIsGiven()
    ctx = Ctx(staging, backend)
    swapper = Swapper(staging, attacker)
    refused = 0
    swapper.start()
    try:
        for _ in range(TRIES):
            refused += use(ctx)
    finally:
        swapper.stop.set()
        swapper.join()
    assert swapper.swaps > 0
    assert not backend.unread, f"the installer could not read the file it was given: {backend.unread}"
    assert len(backend.ran) + refused == TRIES, (
        f"runs {backend.ran.count(GOOD_SHA)} pinned, "
        f"{backend.ran.count(EVIL_SHA)} attacker's, {len(backend.ran)} in all; refused {refused}"
    )
    if backend.disagreed and use is _offramp:  # the naive order hands over a path that changes under both reads
        print(f"\nthe installer stand-in's answer differed from the bytes it was given: {backend.disagreed}")
    if backend.restarted:
        print(f"\nthe installer stand-in was started again {len(backend.restarted)} times: {backend.restarted}")
    return backend.ran.count(EVIL_SHA), backend.ran.count(GOOD_SHA), refused


def _offramp(ctx: Ctx) -> int:
    step = Step("install.x", "install", "Install X", params={"method": "download", "replacement_id": "x"})
    step.params["sha256"] = GOOD_SHA
    outcome = act_install(ctx, step)  # type: ignore[arg-type]
    return int(outcome.exit_code == exitcodes.HASH_MISMATCH)


def _naive(ctx: Ctx) -> int:
    staged = Path(ctx.data["path"])
    if not verify_file(staged, GOOD_SHA):
        return 1
    ctx.backend.install({}, staged, 60)
    return 0


def test_swapping_the_staging_folder_never_gets_a_package_run(tmp_path: Path) -> None:
    tally = Tally("install swap race")
    wins, good, refused = _race(tmp_path / "offramp", _offramp)
    for n in range(TRIES):
        tally.case(f"try {n}", n >= wins, "the attacker's package ran")
    naive_wins, _, _ = _race(tmp_path / "naive", _naive)
    print(f"\nswap race: {TRIES} tries; Offramp ran the attacker's package {wins} times, the pinned one {good} "
          f"times, refused {refused}; the naive verify-then-run order lost {naive_wins} of {TRIES}")  # fmt: skip
    assert good + refused == TRIES
    tally.report()
    shutil.rmtree(tmp_path, ignore_errors=True)
