"""A small window that runs a scan in the background and shows what it found, in words."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QPlainTextEdit, QVBoxLayout, QWidget

from app.gui.worker import Task


class ScanWindow(QMainWindow):
    def __init__(self, root: str | None = None, log_file: Path | None = None):
        super().__init__()
        self.setWindowTitle(self.tr("Offramp"))
        self.resize(720, 520)
        self._root = Path(root) if root else None
        self._log_file = log_file
        self._task: Task | None = None
        self.result = None

        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.status = QLabel(self.tr("Looking for banned security software…"))
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Scan status"))
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setAccessibleName(self.tr("Scan progress"))
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName(self.tr("Scan result"))
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(self.details, 1)
        self.setCentralWidget(body)

    def start_scan(self) -> None:
        from app.core.scan import run_scan

        self._task = Task(run_scan, self, root=self._root)
        self._task.progress.connect(self._on_progress)
        self._task.finished.connect(self._on_finished)
        self._task.failed.connect(self._on_failed)
        self._task.start()

    @Slot(str, float)
    def _on_progress(self, message: str, fraction: float) -> None:
        self.status.setText(message)
        self.progress.setValue(int(fraction * 100))

    @Slot(object)
    def _on_finished(self, result: object) -> None:
        import contextlib
        import io

        from app.commands.scan import print_summary

        self.result = result
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            print_summary(result)
        text = buffer.getvalue()
        self.status.setText(text.strip().splitlines()[-1])
        self.details.setPlainText(text)
        self.progress.setValue(100)

    @Slot(str, str)
    def _on_failed(self, message: str, details: str) -> None:
        from app.core import eventlog

        eventlog.get("gui").error("scan failed: %s\n%s", message, details)
        self.status.setText(self.tr("The scan could not finish: {0}. The details are in the log: {1}")
                            .format(message, self._log_file))
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
