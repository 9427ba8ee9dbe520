"""Frozen entry point of the window program (the home users' wizard)."""

import sys

from offramp.gui.main import main

sys.exit(main())
