"""Page 3: why it matters, on a drawn timeline with today and this machine's last update, in plain words."""

from __future__ import annotations

import datetime as dt

from app.core.data import timeline
from app.gui.pages.base import Page
from app.gui.widgets.timeline import BanTimeline


class WhyPage(Page):
    name = "why"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.setTitle(self.tr("Why it matters"))
        self.setSubTitle(
            self.tr(
                "Using {0} is not illegal. But it no longer gets updates, so it protects you a little less every day."
            ).format(model.vendor)
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
        vendor = catalogue.milestone("vendor_updates_cutoff")
        sources = {e.marks: e.sources[0] for e in catalogue.timeline if e.marks}
        definitions = (
            self.tr("This computer's virus definitions were last updated on <b>{0}</b>.").format(last)
            if last
            else self.tr("Offramp could not read when this computer's virus definitions were last updated.")
        )
        self.explanation.setText(
            self.tr(
                "<p><b>You are not breaking the law</b> by keeping {name}. But it stopped receiving updates in the "
                "United States on <b>{stopped}</b>, {days} days ago ({name}'s own help pages say {vendor}). New "
                "threats appear every day, and {name} no longer learns about them.</p><p>{definitions}</p>"
                "<p>Sources: <a href='{s1}'>sales ban</a> · <a href='{s2}'>updates ban</a> · "
                "<a href='{s3}'>{name}'s date</a>. Run <code>offramp timeline</code> for every date.</p>"
            ).format(
                name=catalogue.vendor.name,
                stopped=stopped.event.date.isoformat(),
                days=stopped.days,
                vendor=vendor.date.isoformat(),
                definitions=definitions,
                s1=sources.get("sales_cutoff", ""),
                s2=sources.get("updates_cutoff", ""),
                s3=sources.get("vendor_updates_cutoff", ""),
            )
        )
