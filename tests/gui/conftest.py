"""GUI tests need no display: Qt's offscreen platform unless the caller chose one (before QApplication)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
