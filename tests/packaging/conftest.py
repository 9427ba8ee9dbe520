"""What the Windows packaging tests share: the Windows build, made once per session for every module that asks."""

from __future__ import annotations

import pytest

from tests.support.windows_build import build_once


@pytest.fixture(scope="session")
def windows_build(tmp_path_factory: pytest.TempPathFactory):
    return build_once(tmp_path_factory)
