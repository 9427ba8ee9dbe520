"""Test-wide rules: a private OFFRAMP_HOME for every test, no test writes into the checkout or leaves a thread
running, and hypothesis's profiles (a quick one for local runs, a thorough and repeatable one for CI)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

from tests.support.devcache import dev_cache

REPO = Path(__file__).resolve().parents[1]

pytest_plugins = ["tests.support.pkgbed_fixtures"]

# --- hypothesis --------------------------------------------------------------------------------------------
# Its example database and caches go to the development cache, not to .hypothesis/ in the checkout.
set_hypothesis_home_dir(dev_cache() / "hypothesis")
# No deadline and no too-slow health check: both time the machine, and a loaded one fails them at random.
settings.register_profile("quick", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# CI explores more and the same examples every run (derandomize, no database), so a red run is the code's.
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
    print_blob=True,
)
_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("thorough" if _ci else "quick"))


# --- nothing writes into the checkout ------------------------------------------------------------------------
# What tools keep inside a checkout by design; everything else there is the project's and must not change.
_TOOL_FOLDERS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
# Top-level folders of the same kind, and large: the venv, `make dist`'s output, the old test cache.
_TOP_TOOL_FOLDERS = {".git", ".venv", "build", "dist", ".cache"}


def _checkout_files() -> dict[str, tuple[int, int]]:
    files = {}
    for folder, subfolders, names in os.walk(REPO):
        skip = _TOOL_FOLDERS | (_TOP_TOOL_FOLDERS if folder == str(REPO) else set())
        subfolders[:] = [s for s in subfolders if s not in skip and not s.endswith(".egg-info")]
        for name in names:
            if name == ".git":  # a worktree's pointer file
                continue
            path = os.path.join(folder, name)
            try:
                info = os.stat(path, follow_symlinks=False)
            except FileNotFoundError:
                continue
            files[os.path.relpath(path, REPO)] = (info.st_size, info.st_mtime_ns)
    return files


def _digest(relative: str) -> str:
    try:
        return hashlib.sha256((REPO / relative).read_bytes()).hexdigest()
    except OSError:
        return ""


class _Checkout:
    """The checkout's files as they were when the session started: stat to notice a write cheaply, content
    to tell a real change from a rewrite of the same bytes (a build recompiling an up-to-date snapshot)."""

    def __init__(self) -> None:
        self.stats = _checkout_files()
        self.contents = {path: _digest(path) for path in self.stats}

    def changes(self) -> list[str]:
        now = _checkout_files()
        changed = []
        for path in sorted(set(now) | set(self.stats)):
            if path not in now:
                changed.append(f"deleted {path}")
            elif path not in self.stats:
                changed.append(f"created {path}")
            elif now[path] != self.stats[path] and _digest(path) != self.contents[path]:
                changed.append(f"changed {path}")
        self.stats = now
        for line in changed:
            path = line.split(" ", 1)[1]
            self.contents[path] = _digest(path)
        return changed


@pytest.fixture(scope="session")
def _checkout() -> _Checkout:
    # A start from the source tree brings the shipped playbooks' snapshot up to date (as `make run` would); do
    # it before the picture is taken, so the first test to read the playbooks is not blamed for it.
    from offramp.core.data import shipped

    for folder in shipped.SHIPPED_FOLDERS:
        shipped.raw_documents(folder)
    shipped.forget()
    # The same for the compiled translations, a cache of the .po files that a start writes when it is stale.
    from offramp.core import i18n

    for language in i18n.available()[1:]:
        i18n.compile_catalogue(language)
    i18n.forget()
    return _Checkout()


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test, and every Offramp it starts, speaks English unless it asks for a language: a developer's
    Spanish or Russian desktop must not change what the tests read."""
    from offramp.core import i18n

    monkeypatch.setenv("LANGUAGE", "en")
    before = i18n.current()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


@pytest.fixture(autouse=True)
def _writes_nothing_into_the_checkout(_checkout: _Checkout) -> Iterator[None]:
    """Fails the test that created, changed or deleted a file of the checkout: tests write under tmp paths."""
    yield
    changed = _checkout.changes()
    if changed:
        pytest.fail("the test wrote into the checkout: " + "; ".join(changed), pytrace=False)


@pytest.fixture(autouse=True)
def _leaves_no_thread_running() -> Iterator[None]:
    """Fails the test that left a thread of its own running once its fixtures were torn down.

    A thread that outlives its test goes on into the tests after it: the power-cut test once left its FIFO
    readers blocked on descriptors it had closed, and after a stop and continue they read, by number, later
    tests' pipes and files (tests/support/drain.py says how). Only threads started through `threading` are
    seen: threads Qt starts (its pool, the wizard's QThread workers) show as dummy threads and are not
    judged here. A thread a test starts on purpose for the rest of the session would fail it too: start
    such a thing from a session fixture instead."""
    before = set(threading.enumerate())
    yield
    started = [t for t in threading.enumerate() if t not in before and not isinstance(t, threading._DummyThread)]
    deadline = time.monotonic() + 10  # one finishing its last line as the test ends is not left running
    for thread in started:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    left = [f"{t.name} ({'daemon' if t.daemon else 'not daemon'})" for t in started if t.is_alive()]
    if left:
        pytest.fail("the test left threads running: " + ", ".join(left), pytrace=False)


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("offramp-home")
    monkeypatch.setenv("OFFRAMP_HOME", str(home))
    return home


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs `python -m offramp ARGS` as a separate process, the way a user or an admin's script would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "offramp", *args],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input_text,
        stdin=None if input_text else subprocess.DEVNULL,
    )
