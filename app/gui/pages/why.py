"""Page 3: why it matters, on a drawn timeline with today and this machine's last update, in plain words."""

from __future__ import annotations

import datetime as dt
import html

from offramp.core.data import timeline
from offramp.gui.pages.base import Page
from offramp.gui.widgets.timeline import BanTimeline


class WhyPage(Page):
    name = "why"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.setTitle(self.tr("Why it matters"))
        self.setSubTitle(
            self.tr("What the ban on {0} means for this computer, and what you may still do.").format(model.vendor)
        )
        self.chart: BanTimeline | None = None
        self.explanation = self.text("", links=True, name=self.tr("What the ban means"))

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
            self.tr("This computer's virus definitions were last updated on <b>{0}</b>.").format(last)
            if last
            else self.tr("Offramp could not read when this computer's virus definitions were last updated.")
            if any(p.protects for p in catalogue.products)
            else ""
        )
        # The sentences about the ban come from the catalogue; the frame around them is Offramp's.
        links = " · ".join(
            f"<a href='{e.sources[0]}'>{html.escape(e.title)}</a>" for e in catalogue.timeline if e.marks
        )
        self.explanation.setText(
            self.tr(
                "<p>{lawful}{summary}</p><p><b>{headline}</b> That was {days} days ago.{own}</p><p>{definitions}</p>"
                "<p>Sources: {links}. Run <code>offramp timeline</code> for every date.</p>"
            ).format(
                lawful=self.tr("<b>You are not breaking the law</b> by keeping {0} on your own computer. ").format(
                    catalogue.vendor.name
                )
                if catalogue.legal_status.may_keep_using
                else "",
                summary=html.escape(catalogue.legal_status.summary),
                headline=html.escape(catalogue.headline_text()),
                days=stopped.days,
                own=self.tr(" {0}'s own help pages say {1}.").format(catalogue.vendor.name, own.date.isoformat())
                if own
                else "",
                definitions=definitions,
                links=links,
            )
        )
