"""What every test bed fixture shares: skip or fail when a tool is missing, and a fresh Wine bed to use once.

CI sets OFFRAMP_REQUIRE_TESTBEDS=1 so a runner without the tools cannot pass by skipping;
OFFRAMP_KEEP_WINEBED=1 keeps a bed's prefix (about 700 MB) for debugging.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest

from tests.support.winebed import WineBed
from tests.support.winpython import ProvisionError, provision_windows_python

REQUIRE_ENV = "OFFRAMP_REQUIRE_TESTBEDS"
KEEP_ENV = "OFFRAMP_KEEP_WINEBED"


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when OFFRAMP_REQUIRE_TESTBEDS=1 says a missing test bed is an error."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}; {REQUIRE_ENV}=1 forbids skipping", pytrace=False)
    pytest.skip(reason)


@contextmanager
def fresh_wine_bed(folder: Path, *, display: str | None = None) -> Iterator[WineBed]:
    """A new prefix with the cached Windows CPython test runtime, removed afterwards (unless kept); `display` is the
    X display its windows appear on."""
    try:
        runtime = provision_windows_python()
    except ProvisionError as exc:
        unavailable(f"could not provision Windows CPython for the Wine test bed: {exc}")
    bed = WineBed.create(folder, runtime, display=display)
    try:
        yield bed
    finally:
        bed.close(remove=os.environ.get(KEEP_ENV) != "1")
