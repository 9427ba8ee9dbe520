"""A drawn timeline of the ban: its dated events on a time axis, today, and this machine's last update."""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAccessible,
    QAccessibleInterface,
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QPainter,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QAccessibleWidget, QSizePolicy, QToolTip, QWidget

from offramp.core.data.catalogue import Event
from offramp.core.i18n import _, ngettext, shown
from offramp.gui.colours import band, contrast, mix, tone

ABOVE, BELOW = -1, 1
GAP = 6.0  # px kept free between a label and its neighbours or any leader line
HIT = 6.0  # px either side of a marker that still counts as pointing at it
MAX_ROWS = 6  # rows for the labels that must be shown; the short names of minor events get at most 2


def warning_colour(palette: QPalette) -> QColor:
    """The red-orange of the no-updates marker, readable on the window (see app/gui/colours.py)."""
    return tone("warning", palette)


def axis_span(dates: Sequence[dt.date], today: dt.date) -> tuple[dt.date, dt.date]:
    """From a little before the earliest date to a little after the latest (normally today)."""
    first, last = min([*dates, today]), max([*dates, today])
    pad = dt.timedelta(days=max(30, (last - first).days // 40))
    return first - pad, last + pad


def date_x(day: dt.date, span: tuple[dt.date, dt.date], left: float, right: float) -> float:
    return left + (right - left) * (day - span[0]).days / max(1, (span[1] - span[0]).days)


def place_span(x: float, width: float, lo: float, hi: float, extend_left: bool) -> tuple[float, float]:
    """A label of `width` beside a leader line at x, on the preferred side if it fits between lo and hi."""
    left_fits, right_fits = x - GAP - width >= lo, x + GAP + width <= hi
    if left_fits and (extend_left or not right_fits):
        return x - GAP - width, x - GAP
    if right_fits:
        return x + GAP, x + GAP + width
    start = max(lo, min(x - width / 2, hi - width))
    return start, start + width


@dataclass
class Label:
    role: str  # milestone, today, band, definitions, minor
    text: str
    rect: QRectF
    pole: float | None  # x of the leader line from the axis to the text, if it has one
    side: int
    event: Event | None = None
    bold: bool = False
    row: int = 0


def _clash(a: Label, row_a: int, b: Label, row_b: int) -> bool:
    def crosses(pole: float | None, lab: Label) -> bool:
        return pole is not None and lab.rect.left() - GAP < pole < lab.rect.right() + GAP

    if row_a == row_b:
        overlap = a.rect.left() < b.rect.right() + GAP and b.rect.left() < a.rect.right() + GAP
        return overlap or crosses(a.pole, b) or crosses(b.pole, a)
    near, far = (a, b) if row_a < row_b else (b, a)
    return crosses(far.pole, near)  # the farther label's leader line runs through the nearer label's row


def free_row(lab: Label, placed: Sequence[Label], first: int = 0, limit: int = MAX_ROWS) -> int | None:
    """The row nearest the axis (0), from `first` to `limit`, where the label neither overlaps a placed label
    nor has a leader line run through one or through it (their `row`s are set); None if there is none."""
    return next((r for r in range(first, limit) if not any(_clash(lab, r, o, o.row) for o in placed)), None)


@dataclass
class Layout:
    height: float
    left: float
    right: float
    span: tuple[dt.date, dt.date]
    top: float = 0.0
    axis_y: float = 0.0
    labels: list[Label] = field(default_factory=list)
    markers: list[tuple[float, Event]] = field(default_factory=list)
    years: list[tuple[float, str, QRectF | None]] = field(default_factory=list)  # tick x, year, text rect

    def x(self, day: dt.date) -> float:
        return date_x(day, self.span, self.left, self.right)


class BanTimeline(QWidget):
    """The ban's events on a horizontal time axis, with today and the last definitions update marked."""

    def __init__(
        self,
        events: Sequence[Event],
        today: dt.date,
        definitions: dt.date | None = None,
        parent: QWidget | None = None,
        vendor: str = "",
    ):
        super().__init__(parent)
        self._vendor = vendor
        self._events = sorted(events, key=lambda e: e.date)
        self._today, self._definitions = today, definitions
        self._cache: dict[int, Layout] = {}
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        # Reachable with Tab, so a keyboard or screen-reader user meets the chart and hears its summary.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.retranslate()

    def retranslate(self) -> None:
        """Its words again in the current language: the labels are measured anew, so the layout follows them."""
        self.setAccessibleName(_("Ban timeline"))
        self._changed()

    def vendor(self) -> str:
        return self._vendor or _("The vendor")

    def set_definitions(self, day: dt.date | None) -> None:
        self._definitions = day
        self._changed()

    def set_today(self, day: dt.date) -> None:
        self._today = day
        self._changed()

    def _changed(self) -> None:
        self._cache.clear()
        self.setAccessibleDescription(self.summary())
        self.updateGeometry()
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.LanguageChange):
            self._changed()
        super().changeEvent(event)

    def milestone(self, mark: str) -> Event | None:
        return next((e for e in self._events if e.marks == mark), None)

    def days_without_updates(self) -> int | None:
        cutoff = self.milestone("updates_cutoff")
        return None if cutoff is None else (self._today - cutoff.date).days

    # -- words -----------------------------------------------------------------------------------------------
    def _days(self, n: int) -> str:
        return ngettext("{n} day", "{n} days", n)

    def summary(self) -> str:
        """The same information as the drawing, in plain sentences for screen readers."""
        parts = []
        if sales := self.milestone("sales_cutoff"):
            parts.append(_("Sales stopped {date}", date=sales.date.isoformat()))
        if (cutoff := self.milestone("updates_cutoff")) and (days := self.days_without_updates()) is not None:
            day = cutoff.date.isoformat()
            parts.append(
                _("updates stopped {date}, {days} ago", date=day, days=self._days(days))
                if days > 0
                else _("updates stop {date}", date=day)
            )
        mine = (
            _("your last update was {date}", date=self._definitions.isoformat())
            if self._definitions
            else _("the date of your last update is not known")
        )
        text = f"{', '.join(parts)}; {mine}." if parts else f"{mine[:1].upper()}{mine[1:]}."
        if vendor := self.milestone("vendor_updates_cutoff"):
            text += " " + _(
                "{vendor}'s own pages give {date} as the end of updates.",
                vendor=self.vendor(),
                date=vendor.date.isoformat(),
            )
        return text

    def _short_names(self) -> dict[str, str]:
        """The catalogue's few words for each event that has them, in the reader's language."""
        return {event.id: shown(event.label) for event in self._events if event.label}

    def _milestone_text(self, event: Event) -> str:
        if event.label:  # the catalogue's own words for it, as for minor events
            return f"{shown(event.label)} {event.date.isoformat()}"
        day, vendor = event.date.isoformat(), self.vendor()
        return {
            "sales_cutoff": lambda: _("Sales stopped {date}", date=day),
            "updates_cutoff": lambda: _("Updates stopped {date}", date=day),
            "vendor_updates_cutoff": lambda: _("{vendor}'s own end date {date}", vendor=vendor, date=day),
            "ban_effective": lambda: _("Ban in force {date}", date=day),
        }[event.marks or ""]()

    # -- geometry --------------------------------------------------------------------------------------------
    def layout_for(self, width: int) -> Layout:
        """Where everything goes at this width (cached): plain geometry that tests check without painting."""
        if width not in self._cache:
            self._cache[width] = self._compute_layout(width)
        return self._cache[width]

    def _compute_layout(self, width: int) -> Layout:
        bold = QFont(self.font())
        bold.setBold(True)
        fm, fmb = QFontMetricsF(self.font()), QFontMetricsF(bold)
        pad = round(fm.averageCharWidth() * 1.5)
        dates = [e.date for e in self._events] + ([self._definitions] if self._definitions else [])
        lay = Layout(0, pad + 6, width - pad - 6, axis_span(dates, self._today))
        lo, hi = float(pad), float(width - pad)

        def put(lab: Label, first: int = 0, limit: int = MAX_ROWS) -> bool:
            row = free_row(lab, [o for o in lay.labels if o.side == lab.side], first, limit)
            if row is not None:
                lab.row = row
                lay.labels.append(lab)
            return row is not None

        def label(
            role: str,
            text: str,
            x: float,
            side: int,
            event: Event | None = None,
            is_bold: bool = False,
            extend_left: bool | None = None,
        ) -> Label:
            w = (fmb if is_bold else fm).horizontalAdvance(text)
            start, end = place_span(x, w, lo, hi, x > width / 2 if extend_left is None else extend_left)
            return Label(role, text, QRectF(start, 0, end - start, 0), x, side, event, is_bold)

        # Above the axis: the milestones as a staircase of flags, "Today" level with the highest of them, and
        # the no-updates band from the updates cutoff to today with its label in the middle.
        for mark in ("ban_effective", "sales_cutoff", "vendor_updates_cutoff", "updates_cutoff"):
            if event := self.milestone(mark):
                text, x = self._milestone_text(event), lay.x(event.date)
                put(label("milestone", text, x, ABOVE, event, extend_left=True))
        top_row, x_today = max((lab.row for lab in lay.labels), default=0), lay.x(self._today)
        put(label("today", _("Today"), x_today, ABOVE, is_bold=True, extend_left=True), top_row)
        cutoff, days = self.milestone("updates_cutoff"), self.days_without_updates()
        if cutoff and days and days > 0:
            text, x_cut = _("No updates: {days}", days=self._days(days)), lay.x(cutoff.date)
            is_bold = fmb.horizontalAdvance(text) + 2 * GAP <= x_today - x_cut
            w = (fmb if is_bold else fm).horizontalAdvance(text)
            start = max(lo, min((x_cut + x_today - w) / 2, hi - w))
            put(Label("band", text, QRectF(start, 0, w, 0), None, ABOVE, None, is_bold), top_row // 2)

        # Below: this machine's last update, reaching into the time since, then short names of minor events.
        if self._definitions:
            text = _("Your last update ({date})", date=self._definitions.isoformat())
            put(label("definitions", text, lay.x(self._definitions), BELOW, extend_left=False))
        short, previous = self._short_names(), None
        for event in self._events:
            lay.markers.append((x := lay.x(event.date), event))
            if event.marks is None:
                # A run of events with one label gets it once: on the first of them that finds room.
                name = short.get(event.id)
                if name is None:
                    previous = None
                elif name != previous and put(label("minor", name, x, BELOW, event), 0, 2):
                    previous = name

        row_h = fm.height() + 6
        lay.top = pad / 2
        n_above = 1 + max((lab.row for lab in lay.labels if lab.side == ABOVE), default=0)
        lay.axis_y = lay.top + n_above * row_h + GAP
        years_top = lay.axis_y + GAP + 2
        below_top = years_top + fm.height() + 4
        for lab in lay.labels:
            y = lay.axis_y - GAP - (lab.row + 1) * row_h if lab.side == ABOVE else below_top + lab.row * row_h
            lab.rect = QRectF(lab.rect.left(), y, lab.rect.width(), row_h)
        n_below = 1 + max((lab.row for lab in lay.labels if lab.side == BELOW), default=-1)
        lay.height = math.ceil(below_top + n_below * row_h + pad / 2)

        # Years: a tick on the axis at each 1 January and the year under it, nudged aside (or left out)
        # where a leader line would run through it.
        year_w = fm.horizontalAdvance("0000") + 4
        px_per_year = max(1.0, lay.x(lay.span[0] + dt.timedelta(days=365)) - lay.left)
        step = math.ceil((year_w + 2 * GAP) / px_per_year)
        poles = [lab.pole for lab in lay.labels if lab.side == BELOW and lab.pole is not None]
        for year in range(lay.span[0].year + 1, lay.span[1].year + 1):
            x = lay.x(dt.date(year, 1, 1))
            starts = [x - year_w / 2] + [s for p in poles for s in (p + 3, p - 3 - year_w)]
            fits = [
                s
                for s in starts
                if s <= x <= s + year_w
                and lo <= s <= hi - year_w
                and not any(s - 1 < p < s + year_w + 1 for p in poles)
            ]
            rect = QRectF(fits[0], years_top, year_w, fm.height()) if fits and year % step == 0 else None
            lay.years.append((x, str(year), rect))
        return lay

    def heightForWidth(self, width: int) -> int:
        return int(self.layout_for(width).height)

    def sizeHint(self) -> QSize:
        return QSize(800, self.heightForWidth(800))

    def minimumSizeHint(self) -> QSize:
        return QSize(480, self.heightForWidth(480))

    def _offset(self, lay: Layout) -> float:
        return max(0.0, (self.height() - lay.height) / 2)  # centred when given more height than it needs

    # -- pointing --------------------------------------------------------------------------------------------
    def event_at(self, pos: QPointF) -> Event | None:
        """The event under pos: a label's, else the nearest marker within HIT px (a milestone wins a tie)."""
        lay = self.layout_for(self.width())
        p = QPointF(pos.x(), pos.y() - self._offset(lay))
        for lab in lay.labels:
            if lab.event and lab.rect.adjusted(-2, -2, 2, 2).contains(p):
                return lab.event
        near = [
            (round(abs(x - p.x())), e.marks is None, i)
            for i, (x, e) in enumerate(lay.markers)
            if abs(x - p.x()) <= HIT and lay.top <= p.y() <= lay.height
        ]
        return lay.markers[min(near)[2]][1] if near else None

    def event(self, event: QEvent) -> bool:
        if not isinstance(event, QHelpEvent) or event.type() != QEvent.Type.ToolTip:
            return super().event(event)
        if (hit := self.event_at(QPointF(event.pos()))) is None:
            QToolTip.hideText()
            event.ignore()
        else:
            when = _("about {date}", date=hit.date.isoformat()) if hit.approximate else hit.date.isoformat()
            QToolTip.showText(
                event.globalPos(),
                f"<b>{html.escape(when)}: {html.escape(shown(hit.title))}</b><br>{html.escape(shown(hit.meaning))}",
                self,
            )
        return True

    # -- drawing ---------------------------------------------------------------------------------------------
    def paintEvent(self, _event: QEvent) -> None:
        lay, pal = self.layout_for(self.width()), self.palette()
        text, window = pal.color(QPalette.ColorRole.WindowText), pal.color(QPalette.ColorRole.Window)
        muted, line, warn = mix(text, window, 0.72), mix(text, window, 0.5), warning_colour(pal)
        # The band's words sit on the band's tint, lighter (or darker) than the window: measured against both.
        warn_text, band_fill = band(pal)
        mine = pal.color(QPalette.ColorRole.Highlight)
        mine = mine if contrast(mine, window) >= 3 else text  # Highlight can be too pale for thin lines
        bold = QFont(self.font())
        bold.setBold(True)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.translate(0, self._offset(lay))
        y = lay.axis_y

        cutoff, x_today = self.milestone("updates_cutoff"), lay.x(self._today)
        if cutoff and self._today > cutoff.date:
            top = lay.top + 3  # level with the tops of the leader lines that bound it
            p.fillRect(QRectF(lay.x(cutoff.date), top, x_today - lay.x(cutoff.date), y - top), band_fill)
        p.setPen(QPen(line, 1.5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(QPointF(lay.left, y), QPointF(lay.right, y))
        p.setFont(self.font())
        for x, year, rect in lay.years:
            p.setPen(QPen(line, 1))
            p.drawLine(QPointF(x, y), QPointF(x, y + 4))
            if rect is not None:
                p.setPen(muted)
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, year)

        def ink(lab: Label) -> tuple[QColor, QColor]:  # (leader line, text)
            if lab.role == "band" or (lab.event and lab.event.marks == "updates_cutoff"):
                return warn_text, warn_text
            return {"definitions": (mine, text), "minor": (line, muted)}.get(lab.role, (text, text))

        for lab in lay.labels:  # leader lines first, so that the markers sit on top of them
            if lab.pole is not None:
                end = lab.rect.top() + 3 if lab.side == ABOVE else lab.rect.bottom() - 3
                p.setPen(QPen(ink(lab)[0], 2 if lab.role == "today" else 1))
                p.drawLine(QPointF(lab.pole, y), QPointF(lab.pole, end))
        for x, event in sorted(lay.markers, key=lambda m: m[1].marks is not None):  # milestones on top
            hollow = event.marks == "vendor_updates_cutoff"
            fill = line if event.marks is None else warn if event.marks == "updates_cutoff" else text
            p.setPen(QPen(fill, 1.5) if hollow else Qt.PenStyle.NoPen)
            p.setBrush(window if hollow else fill)
            p.drawEllipse(QPointF(x, y), *((3, 3) if event.marks is None else (4.5, 4.5)))
        p.setPen(Qt.PenStyle.NoPen)
        if self._definitions:  # a triangle under the axis, pointing up at the day
            x = lay.x(self._definitions)
            p.setBrush(mine)
            p.drawPolygon(QPolygonF([QPointF(x, y + 4), QPointF(x - 5, y + 12), QPointF(x + 5, y + 12)]))
        p.setBrush(text)  # today: a diamond on the axis
        p.drawPolygon(
            QPolygonF(
                [QPointF(x_today, y - 6), QPointF(x_today + 6, y), QPointF(x_today, y + 6), QPointF(x_today - 6, y)]
            )
        )
        for lab in lay.labels:
            p.setFont(bold if lab.bold else self.font())
            p.setPen(ink(lab)[1])
            p.drawText(lab.rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, lab.text)
        if self.hasFocus():  # where the keyboard is, drawn as the style's own colour
            p.resetTransform()
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 2, Qt.PenStyle.DotLine))
            p.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        p.end()


# Assistive technology sees the timeline as a chart (Qt would call a plain widget a "filler"). Qt owns the
# interfaces a factory returns; the Python wrappers are kept here so they live exactly as long.
_INTERFACES: dict[int, QAccessibleInterface] = {}


def _accessible(classname: str, widget: object) -> QAccessibleInterface | None:
    if isinstance(widget, BanTimeline):
        interface = _INTERFACES.get(id(widget))
        if interface is None:
            interface = _INTERFACES[id(widget)] = QAccessibleWidget(widget, QAccessible.Role.Chart)
            widget.destroyed.connect(lambda *_: _INTERFACES.pop(id(widget), None))
        return interface
    return None


QAccessible.installFactory(_accessible)
