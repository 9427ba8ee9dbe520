"""Runs core work off the UI thread and turns its progress callbacks into Qt signals.

The core knows nothing of Qt: it takes a `progress(message, fraction)` callback and a cancel check.
This bridge runs such a function in a QThread and reports back through queued signals, so the
window never freezes and never touches a widget from another thread.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from offramp.core import i18n


class CancelToken:
    """Set from the UI thread, read by the worker between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class _Runner(QObject):
    # The message as the core made it (a Text keeps its English for the page to read and shows in the reader's
    # language), which a str signal would flatten to English.
    progress = Signal(object, float)
    finished = Signal(object)
    failed = Signal(str, str)  # message for people, traceback for the log

    def __init__(self, func: Callable[..., Any], kwargs: dict[str, Any]):
        super().__init__()
        self._func = func
        self._kwargs = kwargs

    @Slot()
    def run(self) -> None:
        try:
            result = self._func(progress=self.progress.emit, **self._kwargs)
        except Exception as exc:  # reported to the UI in words; the traceback goes to the log
            self.failed.emit(f"{exc.__class__.__name__}: {i18n.shown(exc)}", traceback.format_exc())
        else:
            self.finished.emit(result)


class Task(QObject):
    """One background call: `Task(func, **kwargs).start()`; connect to progress/finished/failed first."""

    progress = Signal(object, float)
    finished = Signal(object)
    failed = Signal(str, str)

    def __init__(self, func: Callable[..., Any], parent: QObject | None = None, **kwargs: Any):
        super().__init__(parent)
        self.cancel_token = CancelToken()
        self._thread = QThread()
        self._runner = _Runner(func, kwargs)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.progress.connect(self.progress)
        self._runner.finished.connect(self._done)
        self._runner.failed.connect(self._failed)

    def start(self) -> None:
        self._thread.start()

    def _stop_thread(self) -> None:
        self._thread.quit()
        self._thread.wait()

    @Slot(object)
    def _done(self, result: object) -> None:
        self._stop_thread()
        self.finished.emit(result)

    @Slot(str, str)
    def _failed(self, message: str, details: str) -> None:
        self._stop_thread()
        self.failed.emit(message, details)

    def wait(self) -> None:
        self._thread.wait()
