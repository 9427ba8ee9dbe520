"""Starts Offramp's window: the entry point behind `offramp-gui`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="offramp-gui", description="Offramp's guided window.")
    parser.add_argument("--helpdesk", action="store_true", help="show step numbers and technical details")
    parser.add_argument("--root", help="scan a mounted Linux or macOS system instead of this machine")
    args, qt_args = parser.parse_known_args(argv)

    from app.core import eventlog

    log_file = eventlog.setup(console=False)
    from PySide6.QtWidgets import QApplication

    from app.gui.scan_window import ScanWindow

    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("Offramp")
    window = ScanWindow(root=args.root, log_file=log_file)
    window.show()
    window.start_scan()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
