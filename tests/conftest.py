"""Test-wide fixtures: every test gets a private OFFRAMP_HOME so nothing touches the user's own folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytest_plugins = ["tests.support.pkgbed_fixtures"]


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("offramp-home")
    monkeypatch.setenv("OFFRAMP_HOME", str(home))
    return home


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs `python -m app ARGS` as a separate process, the way a user or an admin's script would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input_text,
        stdin=None if input_text else subprocess.DEVNULL,
    )
