"""A machine with nothing to remove still gets a report for its ticket: a private dpkg root holding only a
look-alike, scanned by the wizard itself, goes to Done, which saves a "nothing found" report (HTML and PDF)
with the support code, says where it went, and keeps the code for the next start."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from offramp.core.migrate import records
from offramp.core.wizard_flow import WizardModel
from offramp.gui.pages.base import page_id
from offramp.gui.pages.done import DonePage
from offramp.gui.wizard import OfframpWizard
from tests.support import linux_fixtures as fx
from tests.support.pkgbed import DpkgRoot

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

pytestmark = pytest.mark.gui


def test_a_clean_system_saves_a_nothing_found_report_with_its_code(
    qtbot, dpkg_root: DpkgRoot, built_packages: BuiltPackages, tmp_path: Path
) -> None:
    dpkg_root.install(built_packages.deb(fx.KLEOPATRA))  # its name starts with "kl", and it is not Kaspersky's
    code = records.kept_support_code()  # what the wizard's first start keeps
    model = WizardModel(support_code=code, root=str(dpkg_root.path))
    wizard = OfframpWizard(model)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    qtbot.waitUntil(lambda: model.scan is not None, timeout=30_000)
    assert model.scan is not None and model.scan.findings.clean and model.scan.findings.notes
    wizard.next()  # nothing to remove: straight to Done
    done = wizard.pages["done"]
    assert isinstance(done, DonePage) and wizard.currentId() == page_id("done")
    assert done.save_html.isEnabled() and done.save_pdf.isEnabled()
    assert code in done.summary.text()

    page = tmp_path / "ticket.html"
    done.write(page, "html")
    saved = page.read_text(encoding="utf-8")
    assert f"Nothing from {model.vendor} was found on this computer" in saved and code in saved
    assert done.saved.isVisible() and "Report saved" in done.saved.text()
    assert html.escape(str(page)) in done.saved.text()  # it says where the report went
    pdf = tmp_path / "ticket.pdf"
    done.write(pdf, "pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and html.escape(str(pdf)) in done.saved.text()

    # No migration ran, so nothing closed the case: the next start shows the same code.
    assert records.kept_support_code() == code
