"""Frozen entry point of the console program `offramp` (the admins' command line)."""

import multiprocessing
import sys

# `offramp fleet scan` runs worker processes; a frozen program started as one of them must become the worker,
# not a second command line (a no-op where processes fork).
multiprocessing.freeze_support()

from offramp.cli import main  # noqa: E402

sys.exit(main())
