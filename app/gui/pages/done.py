"""Page 7: the verified protection state, what was removed and installed, what is left to do, and the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl, Slot
from PySide6.QtGui import QDesktopServices, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton

from app.core import exitcodes, paths
from app.gui.pages.base import Page


def load_report() -> dict[str, Any] | None:
    path = paths.state_dir() / "report.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def save_pdf(html: str, target: Path) -> None:
    """Prints the report with Qt's own PDF writer: no browser, no external tool."""
    writer = QPdfWriter(str(target))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(96)
    writer.setTitle("Offramp report")
    document = QTextDocument()
    document.setHtml(html)
    document.print_(writer)


class DonePage(Page):
    name = "done"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.setTitle(self.tr("Done"))
        self.summary = self.text("", name=self.tr("Result"))
        self.layout_.addStretch(1)
        buttons = QHBoxLayout()
        self.save_html = QPushButton(self.tr("Save report (HTML)…"), self)
        self.save_pdf = QPushButton(self.tr("Save report (PDF)…"), self)
        self.open_logs = QPushButton(self.tr("Open the log folder"), self)
        for button in (self.save_html, self.save_pdf, self.open_logs):
            button.setAccessibleName(button.text().rstrip("…"))
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.layout_.addLayout(buttons)
        self.save_html.clicked.connect(lambda: self._save("html"))
        self.save_pdf.clicked.connect(lambda: self._save("pdf"))
        self.open_logs.clicked.connect(self._open_logs)
        self.report: dict[str, Any] | None = None

    def nextId(self) -> int:
        return -1

    def initializePage(self) -> None:
        scan = self.model.scan
        if scan is not None and scan.findings.clean and self.model.exit_code is None:
            self.setSubTitle(self.tr("Nothing to do"))
            self.summary.setText(
                self.tr("<p><b>Nothing from {0} was found on this computer.</b></p><p>Nothing was changed.</p>").format(
                    self.model.vendor
                )
            )
            self.save_html.setEnabled(False)
            self.save_pdf.setEnabled(False)
            return
        self.report = load_report()
        self.summary.setText(self.describe(self.report))

    def describe(self, report: dict[str, Any] | None) -> str:
        if report is None:
            return self.tr("The report could not be read. The log folder has every step.")
        ok = report.get("exit_code") == exitcodes.SUCCESS
        self.setSubTitle(self.tr("You are protected again") if ok else self.tr("Not finished"))
        parts = []
        verification = report.get("verification") or {}
        if ok and report.get("replacement"):
            state = (
                self.tr("is protecting this computer")
                if verification.get("protecting")
                else self.tr("is installed (this system cannot report whether it is protecting)")
            )
            parts.append(f"<p><b>{report['replacement']}</b> {state}.</p>")
        elif not ok:
            parts.append(self.tr("<p><b>Offramp stopped before the end</b>: {0}.</p>").format(report.get("outcome")))
        if report.get("removed"):
            parts.append(self.tr("<p><b>Removed:</b> {0}</p>").format(", ".join(report["removed"])))
        if report.get("installed"):
            parts.append(self.tr("<p><b>Installed:</b> {0}</p>").format(", ".join(report["installed"])))
        todo = report.get("to_do_by_hand") or []
        if todo:
            parts.append(
                self.tr("<p><b>Left for you to do:</b></p><ul>") + "".join(f"<li>{t}</li>" for t in todo) + "</ul>"
            )
        parts.append(self.tr("<p>Support code: <b>{0}</b></p>").format(report.get("support_code")))
        return "".join(parts)

    @Slot()
    def _save(self, kind: str) -> None:
        if self.report is None:
            return
        suggested = str(Path.home() / f"offramp-report-{self.report.get('support_code', 'run')}.{kind}")
        target, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the report"), suggested, "PDF (*.pdf)" if kind == "pdf" else "HTML (*.html)"
        )
        if target:
            self.write(Path(target), kind)

    def write(self, target: Path, kind: str) -> None:
        from app.core.output.report_html import render_report

        html = render_report(self.report or {})
        if kind == "pdf":
            save_pdf(html, target)
        else:
            target.write_text(html, encoding="utf-8")

    @Slot()
    def _open_logs(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir())))
