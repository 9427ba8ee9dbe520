"""Page 3: why it matters, on a drawn timeline with today and this machine's last update, in plain words."""

from __future__ import annotations

import datetime as dt
import html

from offramp.core.data import timeline
from offramp.core.i18n import _, ngettext, shown
from offramp.gui.pages.base import Page
from offramp.gui.widgets.timeline import BanTimeline


class WhyPage(Page):
    name = "why"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.chart: BanTimeline | None = None
        self.explanation = self.text("", links=True)
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setTitle(_("Why it matters"))
        self.setSubTitle(
            _("What the ban on {vendor} means for this computer, and what you may still do.", vendor=self.model.vendor)
        )
        self.explanation.setAccessibleDescription(_("What the ban means"))
        if self.chart is not None:
            self.chart.retranslate()
            self.initializePage()

    def initializePage(self) -> None:
        scan = self.model.scan
        if scan is None:
            return
        catalogue = scan.catalogue
        today = scan.findings.scanned_at.date()
        dates = [p.definitions_date for p in scan.findings.installed if p.definitions_date]
        last = dt.date.fromisoformat(max(dates)[:10]) if dates else None
        if self.chart is None:
            self.chart = BanTimeline(list(catalogue.timeline), today, last, self, vendor=catalogue.vendor.name)
            self.layout_.insertWidget(0, self.chart)
        stopped = timeline.updates_stopped(catalogue, today)
        own = next((e for e in catalogue.timeline if e.marks == "vendor_updates_cutoff"), None)
        definitions = (
            _("This computer's virus definitions were last updated on <b>{date}</b>.", date=last.isoformat())
            if last
            else _("Offramp could not read when this computer's virus definitions were last updated.")
            if any(p.protects for p in catalogue.products)
            else ""
        )
        # The sentences about the ban come from the catalogue; the frame around them is Offramp's.
        links = " · ".join(
            f"<a href='{e.sources[0]}'>{html.escape(shown(e.title))}</a>" for e in catalogue.timeline if e.marks
        )
        vendor = catalogue.vendor.name
        lawful = (
            _("<b>You are not breaking the law</b> by keeping {vendor} on your own computer.", vendor=vendor) + " "
            if catalogue.legal_status.may_keep_using
            else ""
        )
        headline = ngettext(
            "<b>{headline}</b> That was {n} day ago.",
            "<b>{headline}</b> That was {n} days ago.",
            stopped.days,
            headline=html.escape(shown(catalogue.headline_text())),
        )
        if own:
            headline += " " + _("{vendor}'s own help pages say {date}.", vendor=vendor, date=own.date.isoformat())
        self.explanation.setText(
            _(
                "<p>{lawful}{summary}</p><p>{headline}</p><p>{definitions}</p>"
                "<p>Sources: {links}. Run <code>offramp timeline</code> for every date.</p>",
                lawful=lawful,
                summary=html.escape(shown(catalogue.legal_status.summary)),
                headline=headline,
                definitions=definitions,
                links=links,
            )
        )
