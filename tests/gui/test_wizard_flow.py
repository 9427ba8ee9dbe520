"""The whole wizard, offscreen, against a private dpkg root: found → why → choose → rescue → migrate → done,
checking what each page shows and the machine's final state; and a wizard killed mid-migration resumes."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtWidgets import QMessageBox, QRadioButton

from app.core.data.catalogue import load_catalogue
from app.core.migrate import records
from app.core.scan.classifier import classify
from app.core.scan.inventory import Source
from app.core.scan.run import ScanResult
from app.core.wizard_flow import WizardModel
from app.gui.pages.base import page_id
from app.gui.pages.choose import ChoosePage
from app.gui.pages.done import DonePage
from app.gui.pages.found import FoundPage
from app.gui.pages.migrate import MigratePage
from app.gui.pages.rescue import RescuePage
from app.gui.pages.welcome import WelcomePage
from app.gui.pages.why import WhyPage
from app.gui.wizard import OfframpWizard
from tests.conftest import REPO
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import DpkgRoot
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

pytestmark = pytest.mark.gui


@pytest.fixture
def machine(dpkg_root: DpkgRoot, built_packages: BuiltPackages, tmp_path: Path):
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KESL_GUI, fx.KLNAGENT64)))
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir()
    with HttpServer() as server:
        pinned_playbook(playbooks, "linux", server.add("/offramp-test-av_1.0_all.deb", payload), payload)
        yield dpkg_root, playbooks


@pytest.fixture
def person_says_yes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Answers Yes to the Migrating page's yes/no questions (a modal box would wait for a click that never
    comes) and records the title of each one asked."""
    asked: list[str] = []

    def say_yes(parent: object, title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        asked.append(title)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(say_yes))
    return asked


def choose(wizard: OfframpWizard, name: str) -> None:
    radios = {r.accessibleName(): r for r in wizard.page_as(ChoosePage).findChildren(QRadioButton)}
    radios[name].setChecked(True)


@pytest.mark.slow
def test_the_whole_flow(qtbot, machine, tmp_path: Path, person_says_yes: list[str]) -> None:
    root, playbooks = machine
    model = WizardModel(
        support_code="TST-4KQ", root=str(root.path), extra_playbooks=playbooks, allow_loopback_http=True
    )
    wizard = OfframpWizard(model)
    qtbot.addWidget(wizard)
    wizard.show()

    assert wizard.currentId() == page_id("welcome")
    assert "TST-4KQ" in wizard.page_as(WelcomePage).code.text()
    wizard.next()

    found = wizard.page_as(FoundPage)
    qtbot.waitUntil(lambda: model.scan is not None, timeout=30_000)
    items = [found.products.topLevelItem(i) for i in range(found.products.topLevelItemCount())]
    names = {item.text(0) for item in items if item is not None}
    assert names == {"Kaspersky Endpoint Security for Linux", "Kaspersky Security Center Network Agent"}
    assert found.isComplete()
    opened = dt.date.today()
    wizard.next()

    why = wizard.page_as(WhyPage)
    # The page counts from the day it opened: either side of a midnight that fell while it did.
    ago = {f"{(day - dt.date(2024, 9, 29)).days} days ago" for day in (opened, dt.date.today())}
    assert any(words in why.explanation.text() for words in ago), why.explanation.text()
    assert "not breaking the law" in why.explanation.text()
    assert why.chart is not None and why.chart.isVisible()
    wizard.next()

    page = wizard.page_as(ChoosePage)
    assert {o.id for o in page.options} >= {"clamav", "offramp-test-av"}
    assert not any("windows" == p for o in page.options for p in o.platforms if "linux" not in o.platforms)
    choose(wizard, "Offramp Test Antivirus")
    assert model.choice is not None and model.choice.id == "offramp-test-av"
    wizard.next()

    # The Linux products found keep nothing only they hold, so there is nothing to tick (the ticking itself
    # is tested below, with products that do).
    rescue = wizard.page_as(RescuePage)
    assert model.risks() == [] and rescue.boxes == {}
    assert rescue.isComplete()
    wizard.next()

    migrate = wizard.page_as(MigratePage)
    qtbot.waitUntil(lambda: model.finished, timeout=60_000)
    texts = [migrate.steps.item(i).text() for i in range(migrate.steps.count())]
    assert all(t.startswith("✓") for t in texts), texts
    assert "Step 1 of" in texts[0]
    assert model.exit_code == 0
    # A person at the keyboard is asked once before leftovers go.
    assert person_says_yes == ["Remove what the uninstallers left behind?"]
    wizard.next()

    done = wizard.page_as(DonePage)
    assert "Offramp Test Antivirus" in done.summary.text()
    assert "TST-4KQ" in done.summary.text()
    done.write(tmp_path / "report.pdf", "pdf")
    done.write(tmp_path / "report.html", "html")
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "TST-4KQ" in (tmp_path / "report.html").read_text()

    installed = root.installed()
    assert "offramp-test-av" in installed and not {"kesl", "kesl-gui", "klnagent64"} & set(installed)


def test_the_rescue_page_lets_no_one_on_before_every_item_is_ticked(qtbot) -> None:
    catalogue = load_catalogue(catalogue_id="kaspersky")
    inventory = {
        "platform": "windows",
        "programs": [
            {"name": "Kaspersky Total Security", "publisher": "Kaspersky"},
            {"name": "Kaspersky Password Manager", "publisher": "Kaspersky"},
        ],
    }
    model = WizardModel(support_code="RSC-123", platform="windows")
    model.scan = ScanResult(
        classify(catalogue, inventory, dt.datetime.now(dt.UTC)), inventory, Source("file", "test"), catalogue
    )
    wizard = OfframpWizard(model)
    qtbot.addWidget(wizard)
    rescue = wizard.page_as(RescuePage)
    rescue.initializePage()
    risks = [r.id for r in model.risks()]
    assert "kpm-vault" in risks and len(risks) >= 2
    assert list(rescue.boxes) == risks
    for risk_id in risks:
        assert not rescue.isComplete()
        with qtbot.waitSignal(rescue.completeChanged):
            rescue.boxes[risk_id].setChecked(True)
    assert rescue.isComplete() and model.acknowledged == set(risks)
    rescue.boxes[risks[0]].setChecked(False)
    assert not rescue.isComplete()


@pytest.mark.slow
def test_a_killed_wizard_resumes_on_the_migrating_page(
    qtbot, machine, private_home: Path, person_says_yes: list[str]
) -> None:
    root, playbooks = machine
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "OFFRAMP_ALLOW_LOOPBACK_HTTP": "1",
        "OFFRAMP_TEST_CRASH_AT": "after:uninstall.kaspersky-endpoint-security-linux",
    }
    killed = subprocess.run(
        [sys.executable, "-m", "tests.gui.wizard_driver", str(root.path), str(playbooks)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "kesl" not in root.installed() and "klnagent64" in root.installed()  # stopped half way

    from app.gui.main import build_wizard, parse

    os.environ["OFFRAMP_ALLOW_LOOPBACK_HTTP"] = "1"
    try:
        args, _ = parse([])
        wizard = build_wizard(args)
        qtbot.addWidget(wizard)
        assert wizard.model.resume_state is not None
        wizard.show()
        assert wizard.currentId() == page_id("migrate")
        qtbot.waitUntil(lambda: wizard.model.finished, timeout=60_000)
    finally:
        del os.environ["OFFRAMP_ALLOW_LOOPBACK_HTTP"]
    assert wizard.model.exit_code == 0
    assert "offramp-test-av" in root.installed() and "klnagent64" not in root.installed()
    assert records.in_progress() is None
