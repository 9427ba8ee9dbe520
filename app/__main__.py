"""Lets `python -m offramp` run the command-line front end."""

import sys

from offramp.cli import main

sys.exit(main())
