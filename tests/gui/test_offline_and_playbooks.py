"""Which playbook the wizard follows, and the wizard working from an offline bundle, tried on real windows offscreen.

The Choose page names each replacement's playbook (id, verified date, shipped or signed update or offline
bundle) as the report records it, and a playbook a real signed update (a TUF repository on loopback HTTP)
brought in is the one offered and used. Given an offline bundle, or started inside one, the wizard offers
only the bundle's replacements, checks every file in it first, refuses a changed bundle on its first page,
and runs a whole migration with no server to reach while nothing in the process opens a connection.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtWidgets import QLabel, QRadioButton, QWizard

from offramp.core import paths
from offramp.core.data.catalogue import load_catalogue
from offramp.core.scan.classifier import classify
from offramp.core.scan.inventory import Source
from offramp.core.scan.run import ScanResult
from offramp.core.wizard_flow import WizardModel
from offramp.gui.pages.base import page_id
from offramp.gui.pages.choose import ChoosePage
from offramp.gui.pages.done import DonePage
from offramp.gui.pages.welcome import WelcomePage
from offramp.gui.wizard import OfframpWizard
from tests.conftest import REPO, run_cli
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import DpkgRoot
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("person_says_yes")]

TEST_AV = "Offramp Test Antivirus"
WINDOWS = {
    "platform": "windows",
    "programs": [{"name": "Kaspersky Total Security", "publisher": "Kaspersky Lab", "version": "21.2"}],
}

# --- what in this process tries the network: Python's audit events, which every socket call raises ----------
_NETWORK_EVENTS = ("socket.connect", "socket.getaddrinfo", "socket.sendto", "socket.sendmsg")
_watching = threading.Event()
_attempts: list[tuple[str, object]] = []


def _audit(
    event: str,
    args: tuple[object, ...],
    watching: threading.Event = _watching,
    events: tuple[str, ...] = _NETWORK_EVENTS,
    attempts: list[tuple[str, object]] = _attempts,
) -> None:
    # Bound as defaults: the hook outlives the module, and at interpreter exit its globals are already None.
    if watching.is_set() and event in events:
        attempts.append((event, args[1] if len(args) > 1 else args))


sys.addaudithook(_audit)  # hooks cannot be removed; this one records only while a test watches


@pytest.fixture
def network_watch():
    _attempts.clear()
    _watching.set()
    try:
        yield _attempts
    finally:
        _watching.clear()


# --- helpers ------------------------------------------------------------------------------------------------
def card_text(page: ChoosePage, name: str) -> str:
    """The words on the card of the replacement `name` (its radio button's buddy label)."""
    radio = next(r for r in page.findChildren(QRadioButton) if r.accessibleName() == name)
    return next(label.text() for label in page.findChildren(QLabel) if label.buddy() is radio)


@pytest.fixture
def bundle(tmp_path: Path, built_packages: BuiltPackages) -> Path:
    """A bundle made by `offramp bundle create` from a loopback server that is gone once it is made."""
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        playbook = pinned_playbook(tmp_path, "linux", url, payload)
        out = tmp_path / "carried" / "offramp-bundle-2025"
        env = {"OFFRAMP_ALLOW_LOOPBACK_HTTP": "1"}
        made = run_cli("bundle", "create", "--to", str(playbook), "--os", "linux", "--output", str(out), env=env)
        assert made.returncode == 0, made.stdout + made.stderr
    return out


def offline_wizard(qtbot, bundle: Path, root: Path | None = None) -> OfframpWizard:
    model = WizardModel(support_code="OFF-4KQ", platform="linux", root=str(root) if root else None, offline=bundle)
    wizard = OfframpWizard(model)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


# --- A: which playbook --------------------------------------------------------------------------------------
def windows_wizard(qtbot) -> OfframpWizard:
    catalogue = load_catalogue(catalogue_id="kaspersky")
    model = WizardModel(support_code="PLB-777", platform="windows")
    model.scan = ScanResult(
        classify(catalogue, WINDOWS, dt.datetime.now(dt.UTC)), WINDOWS, Source("file", "test"), catalogue
    )
    wizard = OfframpWizard(model)
    qtbot.addWidget(wizard)
    wizard.show()
    while wizard.currentId() != page_id("choose"):
        wizard.next()
    return wizard


def shipped_verified_on(playbook_id: str) -> str:
    text = (paths.playbooks_dir() / "replacements" / f"{playbook_id}.yaml").read_text()
    found = re.search(r'^verified_on: "([0-9-]+)"', text, re.M)
    assert found
    return found.group(1)


def test_each_card_names_its_playbook_as_shipped(qtbot) -> None:
    wizard = windows_wizard(qtbot)
    page = wizard.page_as(ChoosePage)
    defender = card_text(page, "Microsoft Defender Antivirus")
    expected = f"microsoft-defender-antivirus, verified {shipped_verified_on('microsoft-defender-antivirus')}"
    assert expected in defender and "(shipped with Offramp)" in defender


def test_a_signed_update_is_offered_named_and_used(qtbot, tmp_path: Path) -> None:
    from offramp.core.data.updates import update
    from tests.support.tufrepo import Repo

    name = "replacements/microsoft-defender-antivirus.yaml"
    shipped = (paths.playbooks_dir() / name).read_text()
    newer = re.sub(r'^verified_on: "[0-9-]+"', 'verified_on: "2099-01-01"', shipped, flags=re.M)
    repo = Repo(tmp_path / "repo")
    repo.publish({name: newer.encode()})
    with HttpServer(directory=repo.folder) as server:
        assert update(server.base_url, repo.trusted_root, paths.playbook_updates_dir()).taken == [name]

    wizard = windows_wizard(qtbot)
    page = wizard.page_as(ChoosePage)
    defender = card_text(page, "Microsoft Defender Antivirus")
    assert "microsoft-defender-antivirus, verified 2099-01-01 (signed update)" in defender
    assert "(shipped with Offramp)" in card_text(page, "Avira Free Security")  # only the updated one changed
    radio = next(r for r in page.findChildren(QRadioButton) if r.accessibleName() == "Microsoft Defender Antivirus")
    radio.setChecked(True)
    # The migration is planned from the updated file, the one the card names.
    assert wizard.model.options().replacement_ref == str(paths.playbook_updates_dir() / name)


# --- B: an offline bundle -----------------------------------------------------------------------------------
def test_the_first_page_says_it_works_offline_and_checks_the_bundle(qtbot, bundle: Path) -> None:
    wizard = offline_wizard(qtbot, bundle)
    welcome = wizard.page_as(WelcomePage)
    assert welcome.offline is not None
    qtbot.waitUntil(lambda: wizard.model.bundle is not None or wizard.model.bundle_problem is not None)
    made = json.loads((bundle / "offramp-bundle.json").read_text())["created"][:10]
    text = welcome.offline.text()
    assert "Working offline" in text and "offramp-bundle-2025" in text and f"made on {made}" in text
    assert "were checked" in text and welcome.isComplete()
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


@pytest.mark.parametrize("damage", ["installer", "playbook", "not a bundle"])
def test_a_changed_bundle_is_refused_on_the_first_page(qtbot, bundle: Path, damage: str) -> None:
    manifest = bundle / "offramp-bundle.json"
    if damage == "not a bundle":
        manifest.unlink()
    else:
        [entry] = json.loads(manifest.read_text())["playbooks"]
        target = bundle / entry[damage]
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x01  # one bit
        target.write_bytes(bytes(data))
    wizard = offline_wizard(qtbot, bundle)
    welcome = wizard.page_as(WelcomePage)
    qtbot.waitUntil(lambda: wizard.model.bundle_problem is not None, timeout=10_000)
    text = welcome.offline.text() if welcome.offline else ""
    assert "This offline bundle cannot be used" in text
    assert ("not an Offramp bundle" if damage == "not a bundle" else "does not match its SHA-256") in text
    assert "Traceback" not in text
    assert not welcome.isComplete() and not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert wizard.model.replacements() == []  # nothing from a refused bundle, and nothing from elsewhere


def test_started_inside_a_bundle_folder_the_wizard_uses_it(bundle: Path) -> None:
    inside = bundle / "installers"
    script = (
        "import json\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from offramp.gui.main import build_wizard, parse\n"
        "app = QApplication([])\n"
        "args, _ = parse([])\n"
        "wizard = build_wizard(args)\n"
        "print(json.dumps({'offline': str(wizard.model.offline)}))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=inside, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.splitlines()[-1])["offline"] == str(bundle)


@pytest.mark.slow
def test_an_offline_wizard_migrates_from_the_bundle_alone(
    qtbot, bundle: Path, dpkg_root: DpkgRoot, built_packages: BuiltPackages, network_watch, tmp_path: Path
) -> None:
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KESL_GUI, fx.KLNAGENT64)))
    wizard = offline_wizard(qtbot, bundle, dpkg_root.path)
    model = wizard.model
    qtbot.waitUntil(lambda: model.bundle is not None, timeout=10_000)
    wizard.next()
    qtbot.waitUntil(lambda: model.scan is not None, timeout=30_000)
    wizard.next()
    wizard.next()
    page = wizard.page_as(ChoosePage)
    assert [o.id for o in page.options] == ["offramp-test-av"]  # the bundle's, nothing shipped
    assert page.offline.isVisible() and "offramp-bundle-2025" in page.offline.text()
    assert "offramp-test-av, verified" in (words := card_text(page, TEST_AV)) and "(offline bundle)" in words
    next(r for r in page.findChildren(QRadioButton) if r.accessibleName() == TEST_AV).setChecked(True)
    options = model.options()
    assert options.offline_dir == str(bundle) and Path(str(options.replacement_ref)).is_relative_to(bundle)
    wizard.next()
    for box in wizard.pages["rescue"].boxes.values():  # type: ignore[attr-defined]
        box.setChecked(True)
    wizard.next()
    wizard.next()  # the action button on "Ready to remove"
    qtbot.waitUntil(lambda: model.finished, timeout=60_000)
    assert model.exit_code == 0
    wizard.next()

    assert network_watch == []  # no connection, no name lookup: the installer came from the bundle
    installed = dpkg_root.installed()
    assert "offramp-test-av" in installed and not {"kesl", "kesl-gui", "klnagent64"} & set(installed)
    report = json.loads((paths.state_dir() / "report.json").read_text())
    assert report["playbook"]["source"] == "offline bundle"
    stage = next(s for s in report["steps"] if s["id"].startswith("stage."))
    assert "offline bundle" in stage["message"]
    done = wizard.page_as(DonePage)
    assert "<b>Playbook:</b> offramp-test-av, verified" in done.summary.text()
    assert "(offline bundle)" in done.summary.text()
    done.write(tmp_path / "report.html", "html")
    assert "(offline bundle)" in (tmp_path / "report.html").read_text()
