"""Frozen entry point of the console program `offramp` (the admins' command line)."""

import sys

from app.cli import main

sys.exit(main())
