"""Drives the real wizard through every page in its own process, for the kill-and-resume test.

Run as `python -m tests.gui.wizard_driver ROOT PLAYBOOKS_DIR`: it clicks through the pages the way a
person would (choosing the test replacement and ticking every item) and lets the migration run, so
the test can kill this process in the middle of it.
"""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QRadioButton

from offramp.gui.main import build_wizard, parse
from offramp.gui.pages.base import page_id


def advance(wizard) -> None:
    model = wizard.model
    current = wizard.currentId()
    if current == page_id("choose"):
        for radio in wizard.pages["choose"].findChildren(QRadioButton):
            if radio.accessibleName() == "Offramp Test Antivirus":
                radio.setChecked(True)
    if current == page_id("rescue"):
        for box in wizard.pages["rescue"].boxes.values():
            box.setChecked(True)
    if current != page_id("migrate") and wizard.currentPage().isComplete():  # on "confirm": the action button
        wizard.next()
    if not model.finished:
        QTimer.singleShot(50, lambda: advance(wizard))


def main(argv: list[str]) -> int:
    cli = argparse.ArgumentParser()
    cli.add_argument("root")
    cli.add_argument("playbooks")
    known = cli.parse_args(argv)
    from offramp.core import eventlog

    eventlog.setup(console=False)
    app = QApplication([sys.argv[0]])
    args, _ = parse(["--root", known.root, "--playbooks", known.playbooks])
    wizard = build_wizard(args)
    wizard.show()
    QTimer.singleShot(0, lambda: advance(wizard))
    QTimer.singleShot(120_000, app.quit)  # never hang a test run
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
