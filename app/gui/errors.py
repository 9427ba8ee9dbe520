"""The last line of defence in the window: an unexpected error is logged with its traceback and shown in words."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication

from offramp.core import eventlog


def install(log_file: Path) -> None:
    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        eventlog.get("gui").error(
            "unexpected error: %s", value, exc_info=(kind, value, tb), extra={"event": "gui.crash", "console": False}
        )
        if QApplication.instance() is None:
            traceback.print_exception(kind, value, tb)
            return
        from PySide6.QtWidgets import QMessageBox  # only when needed: its class costs the start-up a millisecond

        box = QMessageBox(
            QMessageBox.Icon.Critical,
            QApplication.translate("errors", "Offramp hit a problem"),
            QApplication.translate(
                "errors",
                "Something went wrong: {0}\n\nNothing more will be changed "
                "until you start Offramp again. If you call for help, the details "
                "are in this file:\n{1}",
            ).format(value, log_file),
        )
        box.exec()

    sys.excepthook = hook
