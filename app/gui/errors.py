"""The last line of defence in the window: an unexpected error is logged with its traceback and shown in words."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication

from offramp.core import eventlog
from offramp.core.i18n import _, shown


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
            _("Offramp hit a problem"),
            _(
                "Something went wrong: {problem}\n\nNothing more will be changed "
                "until you start Offramp again. If you call for help, the details "
                "are in this file:\n{log}",
                problem=shown(value),
                log=str(log_file),
            ),
        )
        box.exec()

    sys.excepthook = hook
