"""The wizard opened on a scan of an inventory (as `offramp scan --inventory FILE` reads one), shown and owned
by the test's qtbot: what most page tests start from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from offramp.core.data.catalogue import load_catalogue
from offramp.core.scan.classifier import classify
from offramp.core.scan.inventory import Source
from offramp.core.scan.run import ScanResult
from offramp.core.wizard_flow import WizardModel
from offramp.gui.wizard import OfframpWizard


def wizard_on(
    qtbot: Any, inventory: dict[str, Any], support_code: str, catalogue_id: str = "kaspersky"
) -> OfframpWizard:
    """A shown wizard whose model holds the scan of `inventory` against one shipped catalogue."""
    catalogue = load_catalogue(catalogue_id=catalogue_id)
    model = WizardModel(support_code=support_code, platform=inventory["platform"])
    model.scan = ScanResult(
        classify(catalogue, inventory, dt.datetime.now(dt.UTC)), inventory, Source("file", "test"), catalogue
    )
    wizard = OfframpWizard(model)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard
