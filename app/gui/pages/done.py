"""Page 8: the verified protection state, what was removed and installed, what is left to do, and the report.

What it claims follows app/core/output/verdict.py, the rule the HTML report follows: green only for
protection the verify step proved, amber (with what to check, and how) for the rest.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QEvent, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton

from offramp.core import paths
from offramp.core.migrate.report import Report, ReportError
from offramp.gui.colours import tone
from offramp.gui.pages.base import Page


def load_report() -> Report | None:
    """The last migration's report, read by the core's one reader; None when it is missing or damaged."""
    from offramp.core.migrate import report

    try:
        return report.load(paths.state_dir() / "report.json")
    except ReportError:
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
        self.summary = self.text("")
        self.saved = self.text("")  # where the last report went, said once it is written
        self.saved.setVisible(False)
        buttons = QHBoxLayout()
        self.save_html = QPushButton(self.tr("Save report (HTML)…"), self)
        self.save_pdf = QPushButton(self.tr("Save report (PDF)…"), self)
        self.open_logs = QPushButton(self.tr("Open the log folder"), self)
        for button in (self.save_html, self.save_pdf, self.open_logs):
            button.setAccessibleName(button.text().rstrip("…"))
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.layout_.addLayout(buttons)
        self.layout_.addStretch(1)
        self.save_html.clicked.connect(lambda: self._save("html"))
        self.save_pdf.clicked.connect(lambda: self._save("pdf"))
        self.open_logs.clicked.connect(self._open_logs)
        self.report: Report | None = None
        self.tone: str | None = None  # the verdict's tone shown: ok, warn, wait or bad; None without a report

    def nextId(self) -> int:
        return -1

    def initializePage(self) -> None:
        scan = self.model.scan
        if scan is not None and scan.findings.clean and self.model.exit_code is None:
            from offramp.core.migrate.report import nothing_found_report

            self.report = nothing_found_report(
                scan.findings, self.model.vendor, self.model.support_code, self.model.root
            )
        else:
            self.report = load_report()
        self.summary.setText(self.describe(self.report))
        self._log_shown()

    def _log_shown(self) -> None:
        """Logs what the page tells the person, word for word: a helpdesk then knows what they were told."""
        from offramp.core import eventlog

        shown = QTextDocument()
        shown.setHtml(self.summary.text())
        eventlog.event(
            "wizard.done",
            f"done page: {self.title()}",
            title=self.title(),
            tone=self.tone,
            text=shown.toPlainText(),
            support_code=self.report.support_code if self.report else None,
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and self.report is not None:
            self.summary.setText(self.describe(self.report))  # the headline's colour follows light or dark
        super().changeEvent(event)

    def describe(self, report: Report | None) -> str:
        from offramp.core.output.verdict import verdict

        self.tone = None
        if report is None:
            self.setSubTitle(self.tr("Not finished"))
            return self.tr("The report could not be read. The log folder has every step.")
        e = html.escape
        found = verdict(report)
        self.tone = found.tone
        titles = {"ok": self.tr("Done"), "warn": self.tr("Done: please check one thing")}
        self.setTitle(titles.get(found.tone, self.tr("Not finished")))
        # The headline is in the page itself, coloured and marked; the subtitle keeps the code to quote.
        self.setSubTitle(self.tr("Support code: {0}").format(report.support_code))
        colour = tone(found.tone, self.palette()).name()  # readable on this window, light or dark
        icon = {"ok": "✓", "warn": "!", "wait": "…", "bad": "✗"}[found.tone]
        parts = [f"<p style='color:{colour}'><b>{icon} {e(found.headline)}</b></p>"]
        if found.detail:
            label = self.tr("What to check:") if found.tone == "warn" else ""
            parts.append(f"<p>{'<b>' + label + '</b> ' if label else ''}{e(found.detail)}</p>")
        if report.removed:
            parts.append(self.tr("<p><b>Removed:</b> {0}</p>").format(e(", ".join(report.removed))))
        if report.installed:
            parts.append(self.tr("<p><b>Installed:</b> {0}</p>").format(e(", ".join(report.installed))))
        elif report.installed_unverified:
            parts.append(
                self.tr("<p><b>Installed, not confirmed:</b> {0}</p>").format(e(", ".join(report.installed_unverified)))
            )
        used = report.playbook
        if used and used.get("id"):
            from offramp.core.migrate.report import playbook_line  # the line `offramp migrate` prints

            label, _, said = playbook_line(used).partition(": ")
            parts.append(f"<p><b>{e(label)}:</b> {e(said)}</p>")
        todo = report.to_do_by_hand
        if todo:
            parts.append(
                self.tr("<p><b>Left for you to do:</b></p><ul>") + "".join(f"<li>{e(t)}</li>" for t in todo) + "</ul>"
            )
        if found.tone == "bad":
            parts.append(
                self.tr(
                    "<p>Start Offramp again to try again or start over, or call your helpdesk and read them "
                    "the support code.</p>"
                )
            )
        parts.append(self.tr("<p>Support code: <b>{0}</b></p>").format(e(report.support_code)))
        return "".join(parts)

    @Slot()
    def _save(self, kind: str) -> None:
        if self.report is None:
            return
        suggested = str(Path.home() / f"offramp-report-{self.report.support_code or 'run'}.{kind}")
        target, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the report"), suggested, "PDF (*.pdf)" if kind == "pdf" else "HTML (*.html)"
        )
        if target:
            self.write(Path(target), kind)

    def write(self, target: Path, kind: str) -> None:
        from offramp.core.output.report_html import render_report

        if self.report is None:
            return
        page = render_report(self.report)
        try:
            if kind == "pdf":
                save_pdf(page, target)
            else:
                target.write_text(page, encoding="utf-8")
        except OSError as exc:
            self.saved.setText(
                self.tr("<b>The report could not be saved</b> to {0}: {1}").format(
                    html.escape(str(target)), html.escape(exc.strerror or str(exc))
                )
            )
        else:
            self.saved.setText(self.tr("<b>Report saved</b> to {0}").format(html.escape(str(target))))
        self.saved.setVisible(True)

    @Slot()
    def _open_logs(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir())))
