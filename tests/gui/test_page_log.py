"""The log says which page the wizard shows, its number, and when a page that was waiting may be left: what a
helpdesk reads to see where the person was, and what drives the installed wizard from outside its window."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from offramp.core import eventlog
from offramp.core.data.catalogue import load_catalogue
from offramp.core.scan.classifier import classify
from offramp.core.scan.inventory import Source
from offramp.core.scan.run import ScanResult
from offramp.core.wizard_flow import NUMBERED, WizardModel
from offramp.gui.pages.base import page_id
from offramp.gui.pages.rescue import RescuePage
from offramp.gui.wizard import OfframpWizard

pytestmark = pytest.mark.gui
# A product whose removal can take data with it, so the rescue page waits for a tick.
WINDOWS = {
    "platform": "windows",
    "programs": [{"name": "Kaspersky Total Security", "publisher": "Kaspersky Lab", "version": "21.2"}],
}


def events(log: Path, *names: str) -> list[dict]:
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line.get("event") in names]


def test_each_page_shown_is_logged_with_its_number_and_when_it_may_be_left(qtbot, tmp_path: Path) -> None:
    log = eventlog.setup(tmp_path / "offramp.jsonl", console=False)
    catalogue = load_catalogue(catalogue_id="kaspersky")
    model = WizardModel(support_code="LOG-123", platform="windows")
    model.scan = ScanResult(
        classify(catalogue, WINDOWS, dt.datetime.now(dt.UTC)), WINDOWS, Source("file", "test"), catalogue
    )
    assert model.risks(), "the rescue page must have something to tick for this test to mean anything"
    wizard = OfframpWizard(model)
    qtbot.addWidget(wizard)
    wizard.show()
    while wizard.currentId() != page_id("rescue"):
        wizard.next()
    rescue = wizard.page_as(RescuePage)
    assert not rescue.isComplete()
    for box in rescue.boxes.values():
        box.setChecked(True)
    for box in rescue.boxes.values():  # ticking again after it was ready logs nothing more
        box.setChecked(False)
        box.setChecked(True)
    wizard.next()

    shown = [(e["page"], e["number"], e["of"], e["complete"]) for e in events(log, "wizard.page")]
    pages = ("welcome", "found", "why", "choose", "rescue", "confirm")
    assert [(page, number) for page, number, _, _ in shown] == [(p, NUMBERED.index(p) + 1) for p in pages]
    assert {of for _, _, of, _ in shown} == {len(NUMBERED)}
    assert [complete for page, _, _, complete in shown if page == "rescue"] == [False]
    assert [e["page"] for e in events(log, "wizard.page.ready")] == ["rescue"]
    order = [e["event"] + ":" + e["page"] for e in events(log, "wizard.page", "wizard.page.ready")]
    assert order.index("wizard.page.ready:rescue") == order.index("wizard.page:rescue") + 1
