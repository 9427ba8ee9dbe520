"""Questions from the migration engine to the person, asked across threads with an explicit request and reply.

The engine runs in a worker thread and must never open a dialog there. It calls `ask(question)`,
which hands a Request to the UI thread through a queued signal and waits for the reply; the UI
shows whatever it needs to and calls `request.reply(answer)`.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from offramp.core.migrate.context import Question


class Request:
    def __init__(self, question: Question):
        self.question = question
        self.answer: Any = None
        self._done = threading.Event()

    def reply(self, answer: Any) -> None:
        self.answer = answer
        self._done.set()

    def wait(self, timeout: float | None = None) -> Any:
        self._done.wait(timeout)
        return self.answer


class AskBridge(QObject):
    asked = Signal(object)  # a Request, delivered on the UI thread

    def ask(self, question: Question) -> Any:
        """Called from the worker thread; blocks it (never the UI) until the person answers."""
        request = Request(question)
        self.asked.emit(request)
        return request.wait()
