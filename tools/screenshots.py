"""Renders every wizard page at 100% and 200% scale into docs/screenshots/, from a typical Windows machine.

The machine is an inventory (the same format a scan reads), so the pages show what a home user with
Kaspersky Total Security and its Password Manager would see. The Migrating and Done pages are shown
mid-run and finished, from a recorded state, without running anything; so is the page a relaunch after a
failed run opens on. The screen is a 1920x1080 one, so at 200% the window has the 960x540 a laptop at
that scale gives it.

    python tools/screenshots.py            # both scales, light palette
    python tools/screenshots.py --catalogue wps-office   # the first three pages for another catalogue
    python tools/screenshots.py --lang ru  # every page in Russian, both scales, into docs/screenshots/ru/
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "screenshots"
sys.path.insert(0, str(REPO))

HKLM = "HKEY_LOCAL_MACHINE\\SOFTWARE"
UPDATED = int(dt.datetime(2024, 9, 28, 21, 4, tzinfo=dt.UTC).timestamp())
INVENTORY = {
    "platform": "windows",
    "programs": [
        {
            "name": "Kaspersky Total Security",
            "version": "21.2.16.590",
            "publisher": "Kaspersky Lab",
            "install_location": "C:\\Program Files (x86)\\Kaspersky Lab\\Kaspersky Total Security 21.2\\",
        },
        {"name": "Kaspersky Password Manager", "version": "9.0.2.1186", "publisher": "Kaspersky"},
        {"name": "Mozilla Firefox (x64 en-US)", "version": "133.0", "publisher": "Mozilla"},
    ],
    "services": [
        {
            "name": "AVP21.2",
            "display_name": "Kaspersky Anti-Virus Service 21.2",
            "service_type": "OWN_PROCESS",
            "status": "RUNNING",
        },
        {"name": "klif", "service_type": "FILE_SYSTEM_DRIVER", "status": "RUNNING"},
        {"name": "WinDefend", "service_type": "OWN_PROCESS", "status": "STOPPED"},
    ],
    "processes": [{"pid": "4120", "name": "avp.exe"}, {"pid": "4480", "name": "avpui.exe"}],
    "registry": [
        {
            "key": f"{HKLM}\\WOW6432Node\\KasperskyLab\\AVP21.2\\Data",
            "path": f"{HKLM}\\WOW6432Node\\KasperskyLab\\AVP21.2\\Data\\LastSuccessfulUpdate",
            "name": "LastSuccessfulUpdate",
            "type": "REG_DWORD",
            "data": str(UPDATED),
        }
    ],
    "windows_security_products": [
        {"type": "Antivirus", "name": "Kaspersky Total Security", "state": "On", "signatures_up_to_date": "0"},
        {"type": "Antivirus", "name": "Windows Defender", "state": "Off", "signatures_up_to_date": "1"},
    ],
}


def finished(step) -> str:
    """How the runner records a finished step: a built-in replacement's "check it is here" is a skip."""
    return "skipped" if step.kind == "stage" and step.params.get("method") == "builtin" else "done"


def dark_palette():
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Base, "#17181a"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.Button, "#2d2e31"),
        (QPalette.ColorRole.ButtonText, "#e8eaed"),
        (QPalette.ColorRole.Highlight, "#8ab4f8"),
        (QPalette.ColorRole.HighlightedText, "#202124"),
        (QPalette.ColorRole.Link, "#8ab4f8"),
        (QPalette.ColorRole.Mid, "#5f6368"),
        (QPalette.ColorRole.PlaceholderText, "#9aa0a6"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def render(scale: str, dark: bool = False, lang: str | None = None) -> None:
    from PySide6.QtWidgets import QApplication, QWizard

    from offramp.core import eventlog, i18n
    from offramp.core.data.catalogue import load_catalogue
    from offramp.core.migrate.report import Report
    from offramp.core.scan.classifier import classify
    from offramp.core.scan.inventory import Source
    from offramp.core.scan.run import ScanResult, known_security_products
    from offramp.core.wizard_flow import WizardModel
    from offramp.gui import language
    from offramp.gui.pages.base import page_id
    from offramp.gui.pages.done import DonePage
    from offramp.gui.pages.migrate import MigratePage
    from offramp.gui.pages.rescue import RescuePage
    from offramp.gui.wizard import OfframpWizard

    eventlog.setup(console=False)
    from offramp.gui import indicators

    app = QApplication([sys.argv[0]])
    global OUT
    if lang is not None:
        OUT = OUT / lang
    language.use(lang or "en")
    if dark:
        app.setStyle("Fusion")
    indicators.install(app)  # as offramp-gui starts
    if dark:
        app.setPalette(dark_palette())
    style = REPO / "resources" / "style.qss"
    app.setStyleSheet(style.read_text())
    catalogue = load_catalogue(catalogue_id="kaspersky")
    findings = classify(catalogue, INVENTORY, known_products=known_security_products("windows"))
    model = WizardModel(support_code="K7F-M4Q", platform="windows")
    model.scan = ScanResult(findings=findings, inventory=INVENTORY, source=Source("file", "demo"), catalogue=catalogue)
    replacement = model.default_choice()
    assert replacement is not None
    model.choose(replacement)
    plan = model.plan()

    def preview(page: MigratePage) -> None:  # show a run in progress instead of starting one
        page.plan = plan
        page.plan_steps = plan.steps
        running = next(i for i, s in enumerate(plan.steps) if s.kind == "uninstall")
        page.statuses = {s.id: finished(s) for s in plan.steps[:running]} | {plan.steps[running].id: "running"}
        page._render_steps()
        page.progress.setValue(int(running / len(plan.steps) * 100))
        page.current.setText(
            i18n._(
                "Step {number} of {total}: {title}",
                number=running + 1,
                total=len(plan.steps),
                title=plan.steps[running].title,
            )
        )

    MigratePage.initializePage = preview  # type: ignore[method-assign,assignment]  # the tool stages the page
    wizard = OfframpWizard(model)
    wizard.setWizardStyle(QWizard.WizardStyle.ModernStyle)
    wizard.show()
    for name in ("welcome", "found", "why", "choose", "rescue", "confirm", "migrate", "done"):
        if name == "migrate":
            model.consent()
        if name == "rescue":
            for box in list(wizard.page_as(RescuePage).boxes.values())[:2]:
                box.setChecked(True)
        if name == "done":
            model.exit_code = 0
            done = wizard.page_as(DonePage)
            done.initializePage = lambda: None  # type: ignore[method-assign]
            done.summary.setText(
                done.describe(
                    Report(
                        exit_code=0,
                        replacement=replacement.name,
                        support_code=model.support_code,
                        protection="protected",
                        verification={"protecting": True},
                        removed=[p.edition or p.name for p in findings.installed],
                        installed=[replacement.name],
                    )
                )
            )
        while wizard.currentId() != page_id(name):
            wizard.next() if wizard.currentId() < page_id(name) else wizard.back()
            app.processEvents()
            if name == "migrate" and wizard.currentId() == page_id("rescue"):
                for box in wizard.page_as(RescuePage).boxes.values():
                    box.setChecked(True)
        for _ in range(5):
            app.processEvents()
        OUT.mkdir(parents=True, exist_ok=True)
        prefix = "dark-" if dark else ""
        wizard.grab().save(str(OUT / f"{prefix}{page_id(name) + 1}-{name}@{scale}x.png"))
    stopped(app, wizard, plan, scale, dark)
    unconfirmed(app, wizard, model, replacement, findings, scale, dark)
    relaunch_after_a_failure(app, model, plan, scale, dark)
    print(f"saved the pages at {scale}x{' (dark)' if dark else ''} to {OUT}")


def stopped(app, wizard, plan, scale: str, dark: bool = False) -> None:
    """The Migrating page after the second removal was blocked: the machine's state and the ways on."""
    from types import SimpleNamespace

    from offramp.core import exitcodes

    uninstalls = [s for s in plan.steps if s.kind == "uninstall"]
    from offramp.core.migrate.statefile import MigrationState, StepRecord

    steps = {s.id: StepRecord(finished(s)) for s in plan.steps[: plan.steps.index(uninstalls[-1])]}
    steps[uninstalls[-1].id] = StepRecord("failed")
    wizard.back()  # from Done to Migrating
    page = wizard.page_named("migrate")
    page._on_finished(
        SimpleNamespace(
            state=MigrationState("K7F-M4Q", plan.to_dict(), {}, steps=steps),
            exit_code=exitcodes.UNINSTALL_BLOCKED,
            message=blocked(uninstalls[-1], plan),
        )
    )
    for _ in range(5):
        app.processEvents()
    wizard.grab().save(str(OUT / f"{'dark-' if dark else ''}7-migrate-stopped@{scale}x.png"))
    wizard.next()


def blocked(step, plan):
    """The message the uninstall step writes when Windows Installer refuses a protected product's removal."""
    from offramp.core.data.catalogue import load_catalogue
    from offramp.core.data.policy import Policy
    from offramp.core.i18n import Text

    vendor = load_catalogue(catalogue_id="kaspersky").part_of(str(step.params.get("product_id", ""))).vendor
    return Text(
        "{title} was blocked: {problem}. {help} (Offramp reads the passwords from the environment "
        "variables {variables}.)",
        title=step.title,
        problem="Windows Installer: fatal error during installation (code 1603)",
        help=vendor.blocked_removal_help,
        variables=", ".join(Policy().password_env.values()),
    )


def unconfirmed(app, wizard, model, replacement, findings, scale: str, dark: bool = False) -> None:
    """The Done page when the replacement cannot say whether it is protecting: amber, with what to check."""
    from offramp.core.migrate.report import Report

    done = wizard.page_named("done")
    done.summary.setText(
        done.describe(
            Report(
                exit_code=0,
                replacement=replacement.name,
                support_code=model.support_code,
                protection="unconfirmed",
                verification={"protecting": None},
                installed_unverified=[replacement.name],
                removed=[p.edition or p.name for p in findings.installed],
            )
        )
    )
    for _ in range(5):
        app.processEvents()
    wizard.grab().save(str(OUT / f"{'dark-' if dark else ''}8-done-unconfirmed@{scale}x.png"))


def relaunch_after_a_failure(app, model, plan, scale: str, dark: bool = False) -> None:
    """The page a relaunch opens on after a run stopped: here, the second removal was blocked."""
    from PySide6.QtWidgets import QWizard

    from offramp.core.wizard_flow import WizardModel
    from offramp.gui.wizard import OfframpWizard

    uninstalls = [s for s in plan.steps if s.kind == "uninstall"]
    from offramp.core.migrate.statefile import MigrationState, StepRecord

    steps = {s.id: StepRecord(finished(s)) for s in plan.steps[: plan.steps.index(uninstalls[-1])]}
    steps[uninstalls[-1].id] = StepRecord(
        "failed",
        message=blocked(uninstalls[-1], plan),
    )
    state = MigrationState(model.support_code, plan.to_dict(), {}, steps=steps)
    wizard = OfframpWizard(WizardModel(support_code=model.support_code, platform="windows", resume_state=state))
    wizard.setWizardStyle(QWizard.WizardStyle.ModernStyle)
    wizard.show()
    for _ in range(5):
        app.processEvents()
    wizard.grab().save(str(OUT / f"{'dark-' if dark else ''}9-recover@{scale}x.png"))


# What a Linux machine with another catalogue's product shows: the package as dpkg lists it.
OTHER_INVENTORIES = {
    "wps-office": {
        "platform": "linux",
        "deb_packages": [
            {"name": "wps-office", "version": "11.1.0.11698-1", "status": "install ok installed", "arch": "amd64"},
            {"name": "libwps-0.4-7", "version": "0.4.12-2", "status": "install ok installed", "arch": "amd64"},
        ],
        "file": [{"path": "/opt/kingsoft/wps-office/office6/wps", "type": "regular"}],
    }
}


def render_catalogue(catalogue_id: str) -> None:
    """The welcome, found and why pages of the wizard for one catalogue, at 1x, into docs/screenshots/<id>/."""
    from PySide6.QtWidgets import QApplication, QWizard

    from offramp.core import eventlog
    from offramp.core.scan.inventory import Source
    from offramp.core.scan.run import run_scan
    from offramp.core.wizard_flow import WizardModel
    from offramp.gui.pages.base import page_id
    from offramp.gui.wizard import OfframpWizard

    eventlog.setup(console=False)
    app = QApplication([sys.argv[0]])
    app.setStyleSheet((REPO / "resources" / "style.qss").read_text())
    inventory = OTHER_INVENTORIES[catalogue_id]
    path = REPO / "build" / f"{catalogue_id}-inventory.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    import json

    path.write_text(json.dumps(inventory), encoding="utf-8")
    model = WizardModel(support_code="K7F-M4Q", platform=str(inventory["platform"]), catalogue_id=catalogue_id)
    scan = run_scan(inventory_file=path, catalogue_id=catalogue_id)
    model.scan = scan._replace(source=Source("file", "demo"))
    wizard = OfframpWizard(model)
    wizard.setWizardStyle(QWizard.WizardStyle.ModernStyle)
    wizard.show()
    out = OUT / catalogue_id
    out.mkdir(parents=True, exist_ok=True)
    for name in ("welcome", "found", "why"):
        while wizard.currentId() != page_id(name):
            wizard.next()
            app.processEvents()
        for _ in range(5):
            app.processEvents()
        wizard.grab().save(str(out / f"{page_id(name) + 1}-{name}@1x.png"))
    print(f"saved the first three pages for {catalogue_id} to {out}")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--render":
        render(sys.argv[2], dark=sys.argv[3] == "dark", lang=sys.argv[4] if len(sys.argv) > 4 else None)
        return 0
    if len(sys.argv) > 2 and sys.argv[1] == "--render-catalogue":
        render_catalogue(sys.argv[2])
        return 0
    if len(sys.argv) > 2 and sys.argv[1] == "--catalogue":
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "QT_SCALE_FACTOR": "1",
            "OFFRAMP_HOME": str(REPO / "build" / "screenshots-home"),
        }
        subprocess.run([sys.executable, __file__, "--render-catalogue", sys.argv[2]], check=True, env=env, cwd=REPO)
        return 0
    lang = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--lang" else None
    looks = (("1", "light"), ("2", "light")) if lang else (("1", "light"), ("2", "light"), ("1", "dark"), ("2", "dark"))
    for scale, look in looks:
        screen = REPO / "build" / "screenshots-screen.json"
        screen.parent.mkdir(parents=True, exist_ok=True)
        screen.write_text(
            '{"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96}]}'
        )
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": f"offscreen:configfile={screen}",
            "QT_SCALE_FACTOR": scale,
            "OFFRAMP_HOME": str(REPO / "build" / "screenshots-home"),
        }
        argv = [sys.executable, __file__, "--render", scale, look, *([lang] if lang else [])]
        subprocess.run(argv, check=True, env=env, cwd=REPO)
    return 0


if __name__ == "__main__":
    sys.exit(main())
