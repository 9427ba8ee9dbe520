"""Shows one wizard page for the AT-SPI test: `python -m tests.gui.atspi_driver PAGE [--hide-label-text]`.

The machine is a Windows inventory with Kaspersky Total Security, read the way a scan reads it, so the
pages show real findings. It prints "ready" once the page is up, then waits for its stdin to close.
`--hide-label-text` puts a short accessible name on the Found page's status label, the fault the test
must catch, so the test proves it can fail.
"""

from __future__ import annotations

import datetime as dt
import sys

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication

INVENTORY = {
    "platform": "windows",
    "programs": [
        {"name": "Kaspersky Total Security", "publisher": "Kaspersky Lab", "version": "21.2"},
        {"name": "Kaspersky Password Manager", "publisher": "Kaspersky"},
    ],
}


def main(argv: list[str]) -> int:
    app = QApplication([sys.argv[0]])
    app.setApplicationName("Offramp")
    from offramp.core import eventlog
    from offramp.core.data.catalogue import load_catalogue
    from offramp.core.scan.classifier import classify
    from offramp.core.scan.inventory import Source
    from offramp.core.scan.run import ScanResult
    from offramp.core.wizard_flow import WizardModel
    from offramp.gui.pages.base import page_id
    from offramp.gui.wizard import OfframpWizard

    eventlog.setup(console=False)
    catalogue = load_catalogue(catalogue_id="kaspersky")
    model = WizardModel(support_code="ACC-777", platform="windows")
    findings = classify(catalogue, INVENTORY, dt.datetime.now(dt.UTC))
    model.scan = ScanResult(findings, INVENTORY, Source("file", "test"), catalogue)
    wizard = OfframpWizard(model)
    wizard.show()
    while wizard.currentId() != page_id(argv[0]):
        wizard.next()
    if "--hide-label-text" in argv:
        from offramp.gui.pages.found import FoundPage

        found = wizard.pages["found"]
        assert isinstance(found, FoundPage)
        found.status.setAccessibleName("Scan status")
    app.processEvents()
    print("ready", flush=True)
    done = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    done.activated.connect(app.quit)  # the test closes our stdin when it has read the tree
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
