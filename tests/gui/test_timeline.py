"""The ban timeline widget: it paints without Qt warnings at narrow and wide sizes and in light and dark
palettes, its geometry (date to x, label rows) is sound, and it says the same thing to screen readers."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize
from PySide6.QtGui import QColor, QFont, QHelpEvent, QImage, QPalette
from PySide6.QtWidgets import QApplication, QToolTip

from offramp.core.data.catalogue import load_catalogue
from offramp.gui.widgets.timeline import (
    ABOVE,
    BanTimeline,
    Label,
    axis_span,
    contrast,
    date_x,
    free_row,
    place_span,
    warning_colour,
)

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_level_fail("WARNING")]

TODAY = dt.date(2026, 11, 29)
LAST_UPDATE = dt.date(2024, 9, 28)


@pytest.fixture(scope="module")
def events():
    return load_catalogue(catalogue_id="kaspersky").timeline


@pytest.fixture
def make(qtbot, events):
    def build(width: int = 640, definitions: dt.date | None = LAST_UPDATE) -> BanTimeline:
        widget = BanTimeline(events, TODAY, definitions)
        qtbot.addWidget(widget)
        widget.resize(width, widget.heightForWidth(width))
        return widget

    return build


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Base, "#171717"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.Highlight, "#8ab4f8"),
        (QPalette.ColorRole.Mid, "#5f6368"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def colours_in(image: QImage) -> set[int]:
    return {image.pixel(x, y) for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)}


@pytest.mark.parametrize("width", [640, 1200])
def test_paints_at_narrow_and_wide_sizes(make, width):
    widget = make(width)
    image = widget.grab().toImage()
    assert image.width() == width and image.height() == widget.heightForWidth(width) > 0
    assert len(colours_in(image)) > 10  # something was drawn, antialiased


def test_paints_at_twice_the_pixel_density(make):
    widget = make(640)
    image = QImage(widget.size() * 2, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(2)
    image.fill(widget.palette().color(QPalette.ColorRole.Window))
    widget.render(image)
    assert len(colours_in(image)) > 10


@pytest.mark.parametrize("palette", [None, dark_palette()], ids=["light", "dark"])
def test_paints_in_light_and_dark_palettes(make, tmp_path, palette):
    widget = make(900)
    if palette is not None:
        widget.setPalette(palette)
    widget.setAutoFillBackground(True)
    widget.resize(900, 260)
    path = tmp_path / "timeline.png"
    assert widget.grab().save(str(path))
    image = QImage(str(path))
    assert image.size() == QSize(900, 260)
    warn = warning_colour(widget.palette())
    assert warn.rgb() in {QColor(p).rgb() for p in colours_in(image)}  # the updates-cutoff dot is solid


def test_warning_colour_reads_on_light_dark_and_high_contrast_windows():
    for window in ("#ffffff", "#efefef", "#dddddd", "#303030", "#202124", "#000000"):
        palette = QPalette()
        palette.setColor(QPalette.ColorRole.Window, QColor(window))
        palette.setColor(
            QPalette.ColorRole.WindowText, QColor("#000000" if QColor(window).lightnessF() > 0.5 else "#ffffff")
        )
        assert contrast(warning_colour(palette), QColor(window)) >= 4.5, window


def test_x_grows_with_the_date(make, events):
    layout = make(640).layout_for(640)
    xs = [layout.x(e.date) for e in sorted(events, key=lambda e: e.date)]
    assert xs == sorted(xs) and xs[0] < xs[-1]
    assert 0 < layout.left <= xs[0] and layout.x(TODAY) <= layout.right < 640
    start, end = axis_span([dt.date(2017, 9, 13)], TODAY)
    assert start < dt.date(2017, 9, 13) and end > TODAY
    assert date_x(start, (start, end), 10, 110) == 10 and date_x(end, (start, end), 10, 110) == 110
    days = [start + dt.timedelta(days=n) for n in range(0, (end - start).days, 97)]
    xs = [date_x(day, (start, end), 0, 640) for day in days]
    assert all(a < b for a, b in itertools.pairwise(xs))


@pytest.mark.parametrize("width", [640, 1200])
def test_milestone_labels_do_not_overlap(make, width):
    labels = make(width).layout_for(width).labels
    milestones = [lab for lab in labels if lab.role == "milestone"]
    marks = {lab.event.marks for lab in milestones if lab.event}
    assert marks == {"sales_cutoff", "vendor_updates_cutoff", "updates_cutoff"}
    for a, b in itertools.combinations(milestones, 2):
        assert not a.rect.intersects(b.rect), (a.text, b.text)
    for a, b in itertools.combinations(labels, 2):  # nor does any other label on the same side
        assert a.side != b.side or not a.rect.intersects(b.rect), (a.text, b.text)
    for lab in labels:
        assert 0 <= lab.rect.left() and lab.rect.right() <= width, lab.text


def test_labels_still_fit_with_a_large_system_font(make):
    widget = make(640)
    small = widget.heightForWidth(640)
    font = QFont(widget.font())
    font.setPointSizeF(font.pointSizeF() * 1.6)
    widget.setFont(font)
    assert widget.heightForWidth(640) > small
    labels = widget.layout_for(640).labels
    assert {"today", "definitions", "band"} <= {lab.role for lab in labels}
    for a, b in itertools.combinations(labels, 2):
        assert a.side != b.side or not a.rect.intersects(b.rect), (a.text, b.text)


def test_a_leader_line_never_runs_through_another_label():
    def flag(left: float, right: float, pole: float | None) -> Label:
        return Label("milestone", "", QRectF(left, 0, right - left, 10), pole, ABOVE)

    placed = [flag(100, 200, 206)]  # in row 0, nearest the axis
    assert free_row(flag(300, 400, 406), placed) == 0  # far away: the same row
    assert free_row(flag(150, 250, 256), placed) == 1  # overlapping text: the next row
    assert free_row(flag(150, 250, 256), placed, limit=1) is None
    assert free_row(flag(0, 94, 100), placed) is None  # its leader line would run through the placed label
    higher = flag(300, 400, 406)
    higher.row = 1
    placed.append(higher)
    assert free_row(flag(380, 450, 456), placed) == 2  # row 0: the higher one's leader line; row 1: its text
    assert free_row(flag(0, 50, None), placed, first=3) == 3
    assert place_span(500, 100, 0, 640, extend_left=True) == (394, 494)
    assert place_span(50, 100, 0, 640, extend_left=True) == (56, 156)  # no room on the left


def test_today_is_right_of_the_updates_cutoff(make, events):
    widget = make(640)
    layout = widget.layout_for(640)
    cutoff = widget.milestone("updates_cutoff")
    assert cutoff is not None and cutoff.date == dt.date(2024, 9, 29)
    today = next(lab for lab in layout.labels if lab.role == "today")
    assert today.text == "Today" and today.pole == layout.x(TODAY) > layout.x(cutoff.date)
    band = next(lab for lab in layout.labels if lab.role == "band")
    assert band.text == "No updates: 791 days"


def test_accessible_description_says_how_long_updates_have_been_stopped(make):
    widget = make(640)
    days = (TODAY - dt.date(2024, 9, 29)).days
    assert days == 791
    assert widget.accessibleName() == "Ban timeline"
    text = widget.accessibleDescription()
    assert f"{days} days ago" in text
    assert "Sales stopped 2024-07-20" in text and "updates stopped 2024-09-29" in text
    assert "your last update was 2024-09-28" in text
    widget.set_today(dt.date(2024, 9, 30))
    assert "updates stopped 2024-09-29, 1 day ago" in widget.accessibleDescription()


def test_definitions_marker_present_only_when_the_date_is_known(make):
    widget = make(640)
    mine = [lab for lab in widget.layout_for(640).labels if lab.role == "definitions"]
    assert [lab.text for lab in mine] == ["Your last update (2024-09-28)"]
    assert mine[0].pole == pytest.approx(widget.layout_for(640).x(LAST_UPDATE))
    with_marker = widget.grab().toImage()
    widget.set_definitions(None)
    assert not [lab for lab in widget.layout_for(640).labels if lab.role == "definitions"]
    assert "not known" in widget.accessibleDescription()
    assert widget.grab().toImage() != with_marker
    widget.set_definitions(dt.date(2023, 1, 5))
    assert [lab.text for lab in widget.layout_for(640).labels if lab.role == "definitions"] == [
        "Your last update (2023-01-05)"
    ]


@pytest.mark.parametrize("width", [640, 1200])
def test_pointing_at_a_milestone_finds_its_event(make, width):
    widget = make(width)
    layout = widget.layout_for(width)
    for mark in ("sales_cutoff", "vendor_updates_cutoff", "updates_cutoff"):
        event = widget.milestone(mark)
        x = layout.x(event.date)
        assert widget.event_at(QPointF(x, layout.axis_y)) is event
        assert widget.event_at(QPointF(x, layout.axis_y - 4)) is event
        label = next(lab for lab in layout.labels if lab.event is event)
        assert widget.event_at(label.rect.center()) is event
    empty = (layout.x(dt.date(2020, 6, 1)), layout.axis_y)
    assert widget.event_at(QPointF(*empty)) is None


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the offscreen platform, showing a tooltip
def test_tooltip_shows_the_title_and_meaning(make):
    widget = make(640)
    layout = widget.layout_for(640)
    cutoff = widget.milestone("updates_cutoff")
    at = QPoint(round(layout.x(cutoff.date)), round(layout.axis_y))
    QApplication.sendEvent(widget, QHelpEvent(QEvent.Type.ToolTip, at, widget.mapToGlobal(at)))
    try:
        assert "2024-09-29" in QToolTip.text() and "Kaspersky" in QToolTip.text()
    finally:
        QToolTip.hideText()


@pytest.mark.parametrize("catalogue_id", ["kaspersky", "wps-office"])
def test_every_catalogues_events_are_named_on_the_chart_in_its_own_words(qtbot, catalogue_id):
    # The chart's words come from the catalogue, so a second banned product gets a labelled chart with no
    # code: its milestone (whatever it marks) and each of its minor events carry the catalogue's label.
    catalogue = load_catalogue(catalogue_id=catalogue_id)
    widget = BanTimeline(catalogue.timeline, TODAY, None, vendor=catalogue.vendor.name)
    qtbot.addWidget(widget)
    width = 1200
    widget.resize(width, widget.heightForWidth(width))
    labels = widget.layout_for(width).labels
    named = {lab.event.id for lab in labels if lab.event is not None}
    milestones = [e for e in catalogue.timeline if e.marks]
    assert milestones and {e.id for e in milestones} <= named
    labelled = {e.label for e in catalogue.timeline if e.label and not e.marks}
    assert labelled and labelled <= {lab.text for lab in labels if lab.role == "minor"}
    for event in milestones:
        [shown] = [lab.text for lab in labels if lab.event is event]
        assert event.date.isoformat() in shown and (event.label is None or event.label in shown)
