"""One folder, outside the checkout, for what the test suite and the builds keep between runs.

The Windows runtimes of the Wine test bed and hypothesis's example database live here, so a test run
never writes into the source tree (the session guard in tests/conftest.py checks that). Each user of it
keys what it stores by its inputs and builds under a lock, so several checkouts can share one folder.
$OFFRAMP_TEST_CACHE moves it; the default is the per-user cache folder (platformdirs), e.g.
~/.cache/offramp-dev on Linux.
"""

from __future__ import annotations

import os
from pathlib import Path


def dev_cache() -> Path:
    chosen = os.environ.get("OFFRAMP_TEST_CACHE")
    if chosen:
        return Path(chosen)
    import platformdirs

    return Path(platformdirs.user_cache_dir("offramp-dev", appauthor=False))
