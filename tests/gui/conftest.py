"""GUI tests need no display: Qt's offscreen platform unless the caller chose one (before QApplication)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import pytest  # noqa: E402


@pytest.fixture
def person_says_yes(monkeypatch):
    """A person who answers Yes to the engine's questions (remove the leftovers, it is done), so a flow
    that reaches one goes on instead of waiting on a modal dialog nobody sees."""
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
