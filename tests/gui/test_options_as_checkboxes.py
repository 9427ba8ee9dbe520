"""Yes/no options are tick boxes with names a screen reader says: the helpdesk view, the technical details and
the log, and whether what the uninstallers leave behind is deleted, which the person now decides on "Ready to
remove" and which a real migration on a private dpkg root then follows without asking again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QMessageBox, QRadioButton

from offramp.core import paths
from offramp.core.wizard_flow import WizardModel
from offramp.gui.pages.base import page_id
from offramp.gui.pages.confirm import ConfirmPage
from offramp.gui.wizard import OfframpWizard
from tests.gui.scanned import wizard_on
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import DpkgRoot
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

pytestmark = pytest.mark.gui
INVENTORY = {
    "platform": "windows",
    "programs": [{"name": "Kaspersky Total Security", "publisher": "Kaspersky Lab", "version": "21.2"}],
}


@pytest.fixture
def wizard(qtbot):
    return wizard_on(qtbot, INVENTORY, "BOX-777")


def test_no_option_is_a_button_that_stays_pressed(wizard) -> None:
    """Every control with an on and an off state is a tick box (or one of a set of round choices), named."""
    for name in ("welcome", "found", "why", "choose", "rescue", "confirm"):
        while wizard.currentId() != page_id(name):
            wizard.next()
        toggles = [b for b in wizard.findChildren(QAbstractButton) if b.isCheckable()]
        pressed = [f"{type(b).__name__} {b.text()!r}" for b in toggles if not isinstance(b, QCheckBox | QRadioButton)]
        assert pressed == [], name
        assert all(b.accessibleName() or b.text() for b in toggles), name
    for name in ("migrate", "done"):
        wizard.page_named(name)
        toggles = [b for b in wizard.pages[name].findChildren(QAbstractButton) if b.isCheckable()]
        assert all(isinstance(b, QCheckBox) for b in toggles), name


def test_the_helpdesk_view_is_a_tick_box_that_shows_the_details(wizard) -> None:
    helpdesk = wizard.button(wizard.WizardButton.CustomButton1)
    assert isinstance(helpdesk, QCheckBox) and helpdesk.isVisible() and not helpdesk.isChecked()
    assert helpdesk.accessibleName().startswith("Helpdesk view")
    wizard.next()
    found = wizard.pages["found"]
    details = found.details_button
    assert isinstance(details, QCheckBox) and details.text() == "Show the technical details"
    helpdesk.click()  # as a person clicks it
    assert wizard.model.helpdesk and wizard.windowTitle().endswith("Page 2 of 8")
    assert details.isChecked() and found.details.isVisible()
    details.click()
    assert not found.details.isVisible()


def test_ready_to_remove_asks_whether_to_delete_what_is_left_behind(wizard) -> None:
    while wizard.currentId() != page_id("choose"):
        wizard.next()
    wizard.next()
    for box in wizard.pages["rescue"].boxes.values():
        box.setChecked(True)
    wizard.next()
    confirm = wizard.page_as(ConfirmPage)
    box = confirm.clean_up
    assert box.isVisible() and box.isChecked()
    said = QAccessible.queryAccessibleInterface(box)
    assert said.text(QAccessible.Text.Name) == "Also delete what Kaspersky leaves behind"
    assert "never deleted" in said.text(QAccessible.Text.Description)
    assert wizard.model.options().leftovers == "remove"
    assert "What Kaspersky leaves behind is deleted" in confirm.summary.text()
    box.click()
    assert wizard.model.options().leftovers == "keep"
    assert "leaves behind is deleted" not in confirm.summary.text()


@pytest.fixture
def machine(dpkg_root: DpkgRoot, built_packages: BuiltPackages, tmp_path: Path):
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KLNAGENT64)))
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir()
    with HttpServer() as server:
        pinned_playbook(playbooks, "linux", server.add("/offramp-test-av_1.0_all.deb", payload), payload)
        yield dpkg_root, playbooks


@pytest.mark.slow
@pytest.mark.parametrize("delete", [True, False], ids=["delete", "keep"])
def test_the_run_follows_the_tick_and_asks_nothing_more(qtbot, machine, monkeypatch, delete: bool) -> None:
    root, playbooks = machine
    asked: list[str] = []

    def question(_parent, title, *_args, **_kwargs):
        asked.append(title)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    model = WizardModel(
        support_code="BOX-4KQ", root=str(root.path), extra_playbooks=playbooks, allow_loopback_http=True
    )
    wizard = OfframpWizard(model)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    qtbot.waitUntil(lambda: model.scan is not None, timeout=30_000)
    wizard.next()
    wizard.next()
    radios = {r.accessibleName(): r for r in wizard.pages["choose"].findChildren(QRadioButton)}
    radios["Offramp Test Antivirus"].setChecked(True)
    wizard.next()
    for box in wizard.pages["rescue"].boxes.values():  # type: ignore[attr-defined]
        box.setChecked(True)
    wizard.next()
    confirm = wizard.page_as(ConfirmPage)
    if not delete:
        confirm.clean_up.click()
    wizard.next()  # the action button
    qtbot.waitUntil(lambda: model.finished, timeout=60_000)
    assert model.exit_code == 0
    assert "Remove what the uninstallers left behind?" not in asked  # the tick was the answer
    log_folder = root.path / "var/log/kaspersky/kesl"
    if delete:
        assert "kesl" not in root.states() and not log_folder.exists()
    else:
        assert root.states()["kesl"][1] == "deinstall ok config-files" and log_folder.exists()
        report = json.loads((paths.state_dir() / "report.json").read_text())
        cleanup = next(s for s in report["steps"] if s["kind"] == "cleanup")
        assert "chose to keep" in cleanup["message"]
        assert any("var/log/kaspersky" in item for item in report["to_do_by_hand"])
