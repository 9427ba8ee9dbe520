"""The helpdesk header: every page says which page it is and the support code, the Migrating page which step runs,
and the code stays the same from one start of the wizard to the next until a migration with it finishes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtWidgets import QRadioButton

from offramp.core.migrate import records, statefile
from offramp.core.wizard_flow import NUMBERED, WizardModel
from offramp.gui.pages.base import page_id
from offramp.gui.pages.migrate import MigratePage
from offramp.gui.wizard import OfframpWizard
from tests.conftest import REPO
from tests.gui.scanned import wizard_on
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import DpkgRoot
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("person_says_yes")]
WINDOWS = {
    "platform": "windows",
    "programs": [{"name": "Kaspersky Total Security", "publisher": "Kaspersky Lab", "version": "21.2"}],
}


def test_every_page_says_where_it_is_and_the_support_code(qtbot) -> None:
    wizard = wizard_on(qtbot, WINDOWS, "HDR-777")
    for name in ("welcome", "found", "why", "choose", "rescue", "confirm", "done"):
        if name == "done":
            wizard.go_to("done")
        while wizard.currentId() != page_id(name):
            wizard.next()
        header = wizard.currentPage().header  # type: ignore[attr-defined]
        assert header.isVisible(), name
        assert header.text() == f"Page {NUMBERED.index(name) + 1} of {len(NUMBERED)}  ·  Support code HDR-777"
        # Small: the header's text is smaller than the page's.
        assert header.font().pointSizeF() < wizard.currentPage().font().pointSizeF(), name


# One start of the wizard, in its own process as a person's start is: the code its first page and header show.
LAUNCH = """
import json
from PySide6.QtWidgets import QApplication
from offramp.gui.main import build_wizard, parse
app = QApplication([])
wizard = build_wizard(parse([])[0])
welcome = wizard.pages["welcome"]
print(json.dumps({"code": wizard.model.support_code, "page": welcome.code.text(), "header": welcome.header.text()}))
"""


def launch(home: Path) -> str:
    env = {**os.environ, "OFFRAMP_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", LAUNCH], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.splitlines()[-1])
    assert seen["code"] in seen["page"] and seen["header"].endswith(f"Support code {seen['code']}")
    return str(seen["code"])


def test_the_support_code_stays_until_a_migration_with_it_finishes(private_home: Path) -> None:
    first = launch(private_home)
    assert launch(private_home) == first  # closed and opened again: the helpdesk's ticket still matches
    # A migration with that code finished (its state, as the runner leaves it): the next start gets a new code.
    plan: dict[str, object] = {"platform": "linux", "replacement_id": None, "steps": []}
    state = statefile.MigrationState(support_code=first, plan=plan, options={}, finished=True, exit_code=0)
    statefile.write(records.state_path(), state)
    second = launch(private_home)
    assert second != first
    assert launch(private_home) == second


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
def test_while_migrating_the_header_says_which_step_runs(qtbot, machine, monkeypatch) -> None:
    root, playbooks = machine
    seen: list[str] = []
    refresh = MigratePage.refresh_header

    def recorded(page: MigratePage) -> None:  # every header the Migrating page shows, as it shows it
        refresh(page)
        seen.append(page.header.text())

    monkeypatch.setattr(MigratePage, "refresh_header", recorded)
    model = WizardModel(
        support_code="RUN-4KQ", root=str(root.path), extra_playbooks=playbooks, allow_loopback_http=True
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
    wizard.next()  # the action button
    qtbot.waitUntil(lambda: model.finished, timeout=60_000)
    assert model.exit_code == 0
    total = len(model.plan().steps)
    steps = [text for text in seen if "Step" in text]
    assert steps[0] == f"Page 7 of 8  ·  Step 1 of {total}  ·  Support code RUN-4KQ"
    assert f"Step {total} of {total}" in steps[-1]
    assert seen[-1] == "Page 7 of 8  ·  Support code RUN-4KQ"  # finished: no step runs any more
