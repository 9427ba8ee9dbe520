"""The wizard's promises, tried as a person would on a private dpkg root: nothing is removed before the action
button on "Ready to remove"; an install the replacement cannot confirm ends amber, not green; after a failed
step another choice makes and runs a new plan; a relaunch after a failure offers to start over; a --root that
is not a system is refused; the window fits the screen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtWidgets import QLabel, QRadioButton

from offramp.core.migrate import records
from offramp.core.wizard_flow import WizardModel
from offramp.gui.pages.base import page_id
from offramp.gui.pages.confirm import ConfirmPage
from offramp.gui.pages.done import DonePage
from offramp.gui.pages.migrate import MigratePage
from offramp.gui.pages.recover import RecoverPage
from offramp.gui.pages.rescue import RescuePage
from offramp.gui.wizard import OfframpWizard
from tests.conftest import REPO, run_cli
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import DpkgRoot
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("person_says_yes")]

BANNED = {"kesl", "kesl-gui", "klnagent64"}
WORKS = "Offramp Test Antivirus"
BROKEN = "Offramp Broken Antivirus"  # the same playbook pinned to the wrong hash: its download never checks out


@pytest.fixture
def machine(dpkg_root: DpkgRoot, built_packages: BuiltPackages, tmp_path: Path):
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KESL_GUI, fx.KLNAGENT64)))
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir()
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        pinned_playbook(playbooks, "linux", url, payload)
        broken = pinned_playbook(playbooks, "linux", url, payload, sha256="0" * 64)
        text = broken.read_text().replace("id: offramp-test-av", "id: offramp-broken-av")
        broken.with_name("offramp-broken-av.yaml").write_text(text.replace(f"name: {WORKS}", f"name: {BROKEN}"))
        broken.unlink()
        pinned_playbook(playbooks, "linux", url, payload)
        yield dpkg_root, playbooks


def wizard_for(qtbot, root: DpkgRoot, playbooks: Path, code: str = "TST-4KQ", **kw) -> OfframpWizard:
    model = WizardModel(
        support_code=code, root=str(root.path), extra_playbooks=playbooks, allow_loopback_http=True, **kw
    )
    wizard = OfframpWizard(model)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def choose(wizard: OfframpWizard, name: str) -> None:
    radios = {r.accessibleName(): r for r in wizard.pages["choose"].findChildren(QRadioButton)}
    radios[name].setChecked(True)


def to_ready(qtbot, wizard: OfframpWizard, replacement: str) -> None:
    """From the first page (or Found) to "Ready to remove", choosing `replacement` and ticking every item."""
    if wizard.currentId() == page_id("welcome"):
        wizard.next()
    qtbot.waitUntil(lambda: wizard.model.scan is not None, timeout=30_000)
    wizard.next()
    wizard.next()
    choose(wizard, replacement)
    wizard.next()
    rescue = wizard.pages["rescue"]
    assert isinstance(rescue, RescuePage)
    for box in rescue.boxes.values():
        box.setChecked(True)
    wizard.next()
    assert wizard.currentId() == page_id("confirm")


def action_button(wizard: OfframpWizard):
    return wizard.button(wizard.WizardButton.CommitButton)


@pytest.mark.slow
def test_nothing_is_removed_before_the_action_button(qtbot, machine) -> None:
    root, playbooks = machine
    wizard = wizard_for(qtbot, root, playbooks)
    to_ready(qtbot, wizard, WORKS)
    # Next on "Before we remove anything" led here, and nothing changed.
    assert BANNED <= set(root.installed())
    confirm = wizard.pages["confirm"]
    assert isinstance(confirm, ConfirmPage)
    text = confirm.summary.text()
    assert "Kaspersky Endpoint Security for Linux" in text and WORKS in text and "Cannot be undone" in text
    assert action_button(wizard).text() == f"Remove Kaspersky and install {WORKS}"
    assert not wizard.model.may_start()
    # On a mounted system, a replacement from the package repositories cannot be installed: shown, disabled.
    radios = {r.accessibleName(): r for r in wizard.pages["choose"].findChildren(QRadioButton)}
    assert not radios["ClamAV"].isEnabled() and radios[WORKS].isEnabled()
    assert any("package repositories" in label.text() for label in wizard.pages["choose"].findChildren(QLabel))
    # Reaching the Migrating page any other way starts nothing.
    wizard.go_to("migrate")
    migrate = wizard.pages["migrate"]
    assert isinstance(migrate, MigratePage) and migrate.task is None
    assert BANNED <= set(root.installed())
    # A choice changed after agreeing needs a new agreement.
    wizard.model.consent()
    wizard.model.choose(None)
    assert not wizard.model.may_start()


@pytest.mark.slow
def test_an_install_the_replacement_cannot_confirm_ends_amber(qtbot, machine, tmp_path: Path) -> None:
    root, playbooks = machine
    wizard = wizard_for(qtbot, root, playbooks)
    to_ready(qtbot, wizard, WORKS)
    wizard.next()  # the action button
    qtbot.waitUntil(lambda: wizard.model.finished, timeout=60_000)
    assert wizard.model.exit_code == 0
    migrate = wizard.pages["migrate"]
    assert isinstance(migrate, MigratePage)
    texts = [migrate.steps.item(i).text() for i in range(migrate.steps.count())]
    assert not any("Restart" in t and t.startswith("✓") for t in texts), texts
    wizard.next()
    done = wizard.pages["done"]
    assert isinstance(done, DonePage)
    # A mounted system runs nothing, so the replacement cannot say it is protecting: amber, not green.
    assert done.title() == "Done: please check one thing"
    assert "could not confirm" in done.summary.text() and "protected by" not in done.summary.text()
    assert f"Open {WORKS}" in done.summary.text()
    assert "Removed:</b> Kaspersky Endpoint Security for Linux" in done.summary.text()
    done.write(tmp_path / "report.html", "html")
    page = (tmp_path / "report.html").read_text()
    assert "outcome-warn" in page and "outcome-ok" not in page.split("<body>")[1]
    assert str(tmp_path / "report.html") in done.saved.text() and done.saved.isVisible()


@pytest.mark.slow
def test_after_a_failed_step_another_choice_runs_a_new_plan(qtbot, machine) -> None:
    root, playbooks = machine
    wizard = wizard_for(qtbot, root, playbooks)
    to_ready(qtbot, wizard, BROKEN)
    wizard.next()
    model = wizard.model
    qtbot.waitUntil(lambda: model.finished, timeout=60_000)
    assert model.exit_code not in (0, None)
    assert BANNED <= set(root.installed())  # the download failed before anything was removed
    migrate = wizard.pages["migrate"]
    assert isinstance(migrate, MigratePage)
    assert "Still installed: Kaspersky Endpoint Security for Linux" in migrate.outcome.text()
    assert "TST-4KQ" in migrate.outcome.text()
    assert migrate.another.isVisible() and migrate.start_over.isVisible()
    migrate.another.click()
    assert wizard.currentId() == page_id("choose")
    choose(wizard, WORKS)
    wizard.next()
    wizard.next()
    assert wizard.currentId() == page_id("confirm")
    assert model.plan().replacement_id == "offramp-test-av"
    wizard.next()
    qtbot.waitUntil(lambda: model.finished, timeout=60_000)
    assert model.exit_code == 0
    installed = set(root.installed())
    assert "offramp-test-av" in installed and not BANNED & installed


@pytest.mark.slow
def test_a_relaunch_after_a_failure_offers_to_start_over(qtbot, machine) -> None:
    root, playbooks = machine
    first = wizard_for(qtbot, root, playbooks)
    to_ready(qtbot, first, BROKEN)
    first.next()
    qtbot.waitUntil(lambda: first.model.finished, timeout=60_000)
    first.close()

    from offramp.gui.main import build_wizard, parse

    args, _ = parse(["--root", str(root.path), "--playbooks", str(playbooks)])
    again = build_wizard(args)
    qtbot.addWidget(again)
    again.show()
    assert again.currentId() == page_id("recover")  # not straight back into the failing step
    recover = again.pages["recover"]
    assert isinstance(recover, RecoverPage)
    assert "It stopped at step" in recover.what.text() and "Still installed" in recover.what.text()
    assert again.model.support_code == first.model.support_code
    recover.start_over.setChecked(True)
    again.next()
    assert again.currentId() == page_id("found")
    assert records.in_progress() is None  # the old run is set aside, its record kept
    assert list(records.state_path().parent.glob("migration.json.abandoned-*"))
    qtbot.waitUntil(lambda: again.model.scan is not None, timeout=30_000)
    assert again.model.scan is not None and again.model.scan.findings.installed


def test_a_root_that_is_not_a_system_is_refused(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for root in ("/nonexistent", str(tmp_path)):  # missing, and a folder with no system in it
        gui = subprocess.run(
            [sys.executable, "-m", "offramp.gui.main", "--smoke-test", "--root", root],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert gui.returncode == 2 and root in gui.stderr, gui.stderr
        assert "first page shown" not in gui.stdout
        scan = run_cli("scan", "--root", root)
        assert scan.returncode == 2 and "Nothing" not in scan.stdout, scan.stdout


FIT_PROBE = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from offramp.core.wizard_flow import WizardModel
from offramp.gui.wizard import OfframpWizard
wizard = OfframpWizard(WizardModel(support_code="FIT-777", platform="windows"))
wizard.show()
app.processEvents()
area, frame = wizard.screen().availableGeometry(), wizard.frameGeometry()
cancel = wizard.button(wizard.WizardButton.CancelButton)
corner = cancel.mapTo(wizard, cancel.rect().bottomRight())
print(json.dumps({"area": [area.width(), area.height()], "frame": [frame.width(), frame.height()],
                  "cancel": [corner.x(), corner.y()], "size": [wizard.width(), wizard.height()]}))
"""


@pytest.mark.parametrize("scale", ["1", "2"])
def test_the_window_fits_a_1920x1080_screen(tmp_path: Path, scale: str) -> None:
    """At 200% a 1920x1080 screen is 960x540 for Qt: the window, and Cancel in it, must fit inside."""
    import json

    screen = tmp_path / "screen.json"
    screen.write_text(
        json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96}]})
    )
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screen}", "QT_SCALE_FACTOR": scale}
    probe = subprocess.run(
        [sys.executable, "-c", FIT_PROBE], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert seen["area"] == [1920 // int(scale), 1080 // int(scale)]
    assert seen["frame"][0] <= seen["area"][0] and seen["frame"][1] <= seen["area"][1], seen
    assert seen["cancel"][0] < seen["size"][0] and seen["cancel"][1] < seen["size"][1], seen


def test_the_window_fits_the_screen(qtbot) -> None:
    wizard = OfframpWizard(WizardModel(support_code="FIT-777", platform="windows"))
    qtbot.addWidget(wizard)
    wizard.show()
    area = wizard.screen().availableGeometry()
    assert wizard.frameGeometry().width() <= area.width() and wizard.frameGeometry().height() <= area.height()
    assert wizard.button(wizard.WizardButton.CancelButton).isVisible()


def test_the_password_dialog_lets_the_person_say_there_is_none(qtbot) -> None:
    from PySide6.QtCore import QTimer

    from offramp.gui.password import PasswordDialog

    dialog = PasswordDialog("Uninstall password", True)
    qtbot.addWidget(dialog)
    assert not dialog.ok.isEnabled()  # an empty OK would do nothing
    QTimer.singleShot(0, dialog.none.click)
    assert dialog.answer() is None

    def type_and_accept() -> None:
        dialog.field.setText("s3cret")
        dialog.ok.click()

    QTimer.singleShot(0, type_and_accept)
    assert dialog.answer() == "s3cret"


@pytest.mark.slow
def test_cancel_while_a_step_runs_closes_the_window_once_it_ends(qtbot, machine, monkeypatch) -> None:
    import threading

    from offramp.core.migrate import steps

    started, go_on = threading.Event(), threading.Event()
    check, act = steps.KINDS["preflight"]

    def held_preflight(ctx, step):  # the first step waits for the test, so the run is busy when Cancel comes
        started.set()
        go_on.wait(timeout=60)
        return act(ctx, step)

    monkeypatch.setitem(steps.KINDS, "preflight", (check, held_preflight))
    root, playbooks = machine
    wizard = wizard_for(qtbot, root, playbooks)
    to_ready(qtbot, wizard, WORKS)
    wizard.next()
    migrate = wizard.pages["migrate"]
    assert isinstance(migrate, MigratePage)
    try:
        qtbot.waitUntil(started.is_set, timeout=60_000)
        qtbot.waitUntil(lambda: migrate.statuses.get("preflight") == "running", timeout=60_000)
        assert migrate.running()
        wizard.reject()  # Cancel (Escape and the close box come here too)
        assert wizard.isVisible() and "Still running: Check this machine is ready" in migrate.current.text()
    finally:
        go_on.set()
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=60_000)
    assert wizard.model.exit_code == 1602  # stopped at the next safe point: cancelled
    assert BANNED <= set(root.installed())  # it stopped before removing anything


def test_a_clean_machine_can_save_a_nothing_found_report(qtbot, tmp_path: Path) -> None:
    from tests.gui.scanned import wizard_on

    inventory = {"platform": "windows", "programs": [{"name": "Mozilla Firefox", "publisher": "Mozilla"}]}
    wizard = wizard_on(qtbot, inventory, "CLN-777")
    model = wizard.model
    wizard.next()
    wizard.next()  # a clean scan goes straight to Done
    done = wizard.pages["done"]
    assert isinstance(done, DonePage) and wizard.currentId() == page_id("done")
    # The last page ends the wizard as an installer's does: Finish, with nothing left to cancel.
    assert wizard.button(wizard.WizardButton.FinishButton).isVisible()
    assert not wizard.button(wizard.WizardButton.CancelButton).isVisible()
    assert done.save_html.isEnabled()
    done.write(tmp_path / "clean.html", "html")
    page = (tmp_path / "clean.html").read_text()
    assert f"Nothing from {model.vendor} was found on this computer" in page and "CLN-777" in page
    assert "Report saved" in done.saved.text()


@pytest.mark.slow
def test_without_rights_the_migration_runs_in_the_elevated_worker(qtbot, machine, monkeypatch) -> None:
    from offramp.core.platform import elevation

    # As on a desktop without rights: the system's prompt is the test one, which starts the real worker.
    monkeypatch.setattr(elevation, "needed", lambda root: True)
    monkeypatch.setattr(elevation, "for_this_system", lambda: elevation.DIRECT)
    root, playbooks = machine
    wizard = wizard_for(qtbot, root, playbooks)
    to_ready(qtbot, wizard, WORKS)
    wizard.next()  # the action button
    qtbot.waitUntil(lambda: wizard.model.finished, timeout=60_000)
    assert wizard.model.exit_code == 0
    assert not BANNED & set(root.installed()) and "offramp-test-av" in root.installed()
    migrate = wizard.pages["migrate"]
    assert isinstance(migrate, MigratePage)
    texts = [migrate.steps.item(i).text() for i in range(migrate.steps.count())]
    # The worker's states reached the list, and the check's data with them: the test antivirus cannot say
    # whether it protects, so its check is marked so, not ticked.
    assert texts and all(t.startswith(("✓", "–")) for t in texts if "is protecting" not in t), texts
    assert [t[0] for t in texts if "is protecting" in t] == ["!"], texts
    wizard.next()
    done = wizard.pages["done"]
    assert isinstance(done, DonePage)
    assert "Removed:</b> Kaspersky Endpoint Security for Linux" in done.summary.text()


@pytest.mark.slow
def test_a_dismissed_password_prompt_is_a_clear_stop_not_a_crash(qtbot, machine, monkeypatch) -> None:
    from offramp.core.platform import elevation

    dismissed = elevation.Elevation("pkexec", ("/bin/sh", "-c", f"exit {elevation.PKEXEC_DISMISSED}", "pkexec"))
    monkeypatch.setattr(elevation, "needed", lambda root: True)
    monkeypatch.setattr(elevation, "for_this_system", lambda: dismissed)
    root, playbooks = machine
    wizard = wizard_for(qtbot, root, playbooks)
    to_ready(qtbot, wizard, WORKS)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.model.finished, timeout=60_000)
    assert wizard.model.exit_code == 20
    assert BANNED <= set(root.installed())
    migrate = wizard.pages["migrate"]
    assert isinstance(migrate, MigratePage)
    text = migrate.outcome.text()
    assert "not given administrator rights" in text and "nothing was changed" in text
    assert "hit a problem" not in text  # not the crash message
    assert migrate.start_over.isVisible() or migrate.another.isVisible()


@pytest.mark.slow
def test_cancel_while_the_password_prompt_is_open_stops_at_once_and_changes_nothing(
    qtbot, machine, monkeypatch
) -> None:
    from offramp.core.platform import elevation

    # A prompt the person has not answered yet (or a pkexec that hangs): Cancel in the window is heard.
    unanswered = elevation.Elevation("pkexec", ("/bin/sh", "-c", "exec sleep 600", "pkexec"))
    monkeypatch.setattr(elevation, "needed", lambda root: True)
    monkeypatch.setattr(elevation, "for_this_system", lambda: unanswered)
    root, playbooks = machine
    wizard = wizard_for(qtbot, root, playbooks)
    to_ready(qtbot, wizard, WORKS)
    wizard.next()
    migrate = wizard.pages["migrate"]
    assert isinstance(migrate, MigratePage)
    qtbot.waitUntil(migrate.running, timeout=60_000)
    wizard.reject()  # Cancel
    qtbot.waitUntil(lambda: wizard.model.finished or not wizard.isVisible(), timeout=60_000)
    assert wizard.model.exit_code == 1602
    assert BANNED <= set(root.installed())


@pytest.fixture
def worker_home(monkeypatch, tmp_path: Path) -> Path:
    """As on a desktop without rights: the worker starts behind the (test) prompt and keeps its record in
    folders of its own (root's, there), which the window never reads. Returns the worker's folders."""
    from offramp.core.platform import elevation

    home = tmp_path / "system"
    behind_prompt = elevation.Elevation("direct", ("env", f"OFFRAMP_HOME={home}"), runs_as=None)
    monkeypatch.setattr(elevation, "needed", lambda root: True)
    monkeypatch.setattr(elevation, "for_this_system", lambda: behind_prompt)
    return home


def failed_run(qtbot, machine, code: str = "TST-4KQ") -> OfframpWizard:
    """A wizard whose migration failed at its download (the broken playbook), before anything was removed."""
    root, playbooks = machine
    wizard = wizard_for(qtbot, root, playbooks, code)
    to_ready(qtbot, wizard, BROKEN)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.model.finished, timeout=60_000)
    assert wizard.model.exit_code not in (0, None) and BANNED <= set(root.installed())
    return wizard


@pytest.mark.slow
def test_without_rights_a_relaunch_after_a_failure_still_offers_to_start_over_and_the_worker_sets_its_record_aside(
    qtbot, machine, worker_home: Path
) -> None:
    from offramp.core.migrate import mirror
    from offramp.gui.main import build_wizard, parse

    root, playbooks = machine
    first = failed_run(qtbot, machine, records.kept_support_code())  # the code a first start keeps
    assert records.in_progress() is None  # the window's own folders hold no record of the run ...
    assert list(worker_home.rglob("migration.json"))
    assert mirror.read() is not None  # ... only the copy of what the worker told it
    first.close()

    args, _ = parse(["--playbooks", str(playbooks)])
    again = build_wizard(args)
    qtbot.addWidget(again)
    again.show()
    assert again.currentId() == page_id("recover")
    assert again.model.support_code == first.model.support_code
    again.model.root = str(root.path)  # the test's private system stands for this computer, as before
    again.model.allow_loopback_http = True
    recover = again.pages["recover"]
    assert isinstance(recover, RecoverPage)
    recover.start_over.setChecked(True)
    again.next()
    assert again.currentId() == page_id("found")
    to_ready(qtbot, again, WORKS)
    again.next()  # the action button: the worker sets its stopped run aside, then runs the new plan
    qtbot.waitUntil(lambda: again.model.finished, timeout=60_000)
    assert again.model.exit_code == 0, again.pages["migrate"].outcome.text()
    installed = set(root.installed())
    assert "offramp-test-av" in installed and not BANNED & installed
    assert list(worker_home.rglob("migration.json.abandoned-*"))  # the old record is kept, set aside
    assert mirror.read() is None  # the run finished: nothing left for a relaunch to offer
    again.close()
    # The case is closed, although only root's record says so: the next start has a code of its own.
    after = build_wizard(args)
    qtbot.addWidget(after)
    after.show()
    assert after.currentId() == page_id("welcome") and after.model.support_code != first.model.support_code
    assert build_wizard(args).model.support_code == after.model.support_code  # and keeps it from then on


@pytest.mark.slow
def test_without_rights_another_choice_after_a_failure_runs_in_the_same_window(
    qtbot, machine, worker_home: Path
) -> None:
    root, _playbooks = machine
    wizard = failed_run(qtbot, machine)
    model = wizard.model
    migrate = wizard.pages["migrate"]
    assert isinstance(migrate, MigratePage)
    migrate.another.click()  # the worker's record of the failed run is root's: only the worker can set it aside
    choose(wizard, WORKS)
    wizard.next()
    wizard.next()
    assert wizard.currentId() == page_id("confirm")
    wizard.next()
    qtbot.waitUntil(lambda: model.finished, timeout=60_000)
    assert model.exit_code == 0, migrate.outcome.text()
    assert "offramp-test-av" in root.installed() and not BANNED & set(root.installed())
    assert list(worker_home.rglob("migration.json.abandoned-*"))


@pytest.mark.slow
def test_without_rights_a_stopped_run_the_window_never_heard_of_is_met_with_start_over(
    qtbot, machine, worker_home: Path
) -> None:
    from offramp.core.migrate import mirror

    root, playbooks = machine
    failed_run(qtbot, machine).close()
    mirror.forget()  # as if the window's copy were lost: another user's session, a cleaned home folder
    wizard = wizard_for(qtbot, root, playbooks)
    to_ready(qtbot, wizard, WORKS)
    wizard.next()
    migrate = wizard.pages["migrate"]
    assert isinstance(migrate, MigratePage)
    qtbot.waitUntil(lambda: not migrate.running() and wizard.model.exit_code is not None, timeout=60_000)
    said = migrate.outcome.text()
    assert "still on record on this computer" in said and "offramp resume" not in said  # a button, not a command
    assert migrate.start_over.isVisible() and BANNED <= set(root.installed())
    migrate.start_over.click()
    assert wizard.model.replace_unfinished  # the next start asks the worker to set the stopped run aside
    qtbot.waitUntil(lambda: wizard.model.scan is not None, timeout=30_000)  # starting over scans again
