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
from offramp.core.i18n import _, shown
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
    writer.setTitle(_("Offramp report"))
    document = QTextDocument()
    document.setHtml(html)
    document.print_(writer)


class DonePage(Page):
    name = "done"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.summary = self.text("")
        self.saved = self.text("")  # where the last report went, said once it is written
        self.saved.setVisible(False)
        self._saved_to: tuple[Path, str | None] | None = None  # where the report went, and why it did not
        buttons = QHBoxLayout()
        self.save_html = QPushButton(self)
        self.save_pdf = QPushButton(self)
        self.open_logs = QPushButton(self)
        for button in (self.save_html, self.save_pdf, self.open_logs):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.layout_.addLayout(buttons)
        self.layout_.addStretch(1)
        self.save_html.clicked.connect(lambda: self._save("html"))
        self.save_pdf.clicked.connect(lambda: self._save("pdf"))
        self.open_logs.clicked.connect(self._open_logs)
        self.report: Report | None = None
        self.tone: str | None = None  # the verdict's tone shown: ok, warn, wait or bad; None without a report
        self.shown_once = False
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setTitle(_("Done"))
        self.save_html.setText(_("Save report (HTML)…"))
        self.save_pdf.setText(_("Save report (PDF)…"))
        self.open_logs.setText(_("Open the log folder"))
        for button in (self.save_html, self.save_pdf, self.open_logs):
            button.setAccessibleName(button.text().rstrip("…"))
        if self.shown_once:
            self.summary.setText(self.describe(self.report))
        if self._saved_to is not None:
            self._say_saved()

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
        self.shown_once = True
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
            self.setSubTitle(_("Not finished"))
            return _("The report could not be read. The log folder has every step.")
        e = html.escape
        found = verdict(report)
        self.tone = found.tone
        titles = {"ok": _("Done"), "warn": _("Done: please check one thing")}
        self.setTitle(titles.get(found.tone, _("Not finished")))
        # The headline is in the page itself, coloured and marked; the subtitle keeps the code to quote.
        self.setSubTitle(_("Support code: {code}", code=report.support_code))
        colour = tone(found.tone, self.palette()).name()  # readable on this window, light or dark
        icon = {"ok": "✓", "warn": "!", "wait": "…", "bad": "✗"}[found.tone]
        parts = [f"<p style='color:{colour}'><b>{icon} {e(shown(found.headline))}</b></p>"]
        if found.detail:
            detail = e(shown(found.detail))
            parts.append(
                _("<p><b>What to check:</b> {detail}</p>", detail=detail)
                if found.tone == "warn"
                else f"<p>{detail}</p>"
            )
        names = _(", ")
        if report.removed:
            parts.append(_("<p><b>Removed:</b> {items}</p>", items=e(names.join(map(shown, report.removed)))))
        if report.installed:
            parts.append(_("<p><b>Installed:</b> {items}</p>", items=e(names.join(map(shown, report.installed)))))
        elif report.installed_unverified:
            parts.append(
                _(
                    "<p><b>Installed, not confirmed:</b> {items}</p>",
                    items=e(names.join(map(shown, report.installed_unverified))),
                )
            )
        used = report.playbook
        if used and used.get("id"):
            from offramp.core.migrate.report import playbook_line  # the line `offramp migrate` prints

            label, _colon, said = playbook_line(used).partition(": ")
            parts.append(f"<p><b>{e(label)}:</b> {e(said)}</p>")
        todo = report.to_do_by_hand
        if todo:
            parts.append(
                _(
                    "<p><b>Left for you to do:</b></p><ul>{items}</ul>",
                    items="".join(f"<li>{e(shown(t))}</li>" for t in todo),
                )
            )
        if found.tone == "bad":
            parts.append(
                _(
                    "<p>Start Offramp again to try again or start over, or call your helpdesk and read them "
                    "the support code.</p>"
                )
            )
        parts.append(_("<p>Support code: <b>{code}</b></p>", code=e(report.support_code)))
        return "".join(parts)

    @Slot()
    def _save(self, kind: str) -> None:
        if self.report is None:
            return
        suggested = str(Path.home() / f"offramp-report-{self.report.support_code or 'run'}.{kind}")
        target, _filter = QFileDialog.getSaveFileName(
            self, _("Save the report"), suggested, "PDF (*.pdf)" if kind == "pdf" else "HTML (*.html)"
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
            self._saved_to = (target, exc.strerror or str(exc))
        else:
            self._saved_to = (target, None)
        self._say_saved()
        self.saved.setVisible(True)

    def _say_saved(self) -> None:
        assert self._saved_to is not None, "said only once a report was written or refused"
        target, problem = self._saved_to
        where = html.escape(str(target))
        self.saved.setText(
            _("<b>Report saved</b> to {place}", place=where)
            if problem is None
            else _(
                "<b>The report could not be saved</b> to {place}: {problem}", place=where, problem=html.escape(problem)
            )
        )

    @Slot()
    def _open_logs(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir())))
