"""Lets `python -m app` run the command-line front end."""

import sys

from app.cli import main

sys.exit(main())
