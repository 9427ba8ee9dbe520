"""The wizard in dark mode, measured: WCAG contrast of what each page shows, from the colours it is drawn with.

The palettes are the ones people meet: Windows' dark mode (its dark window with the accent colour for links
and selection) and KDE's Breeze Dark, plus Qt's own dark colour scheme where this platform offers one. Every
label's text (its palette's window text, or the colour its rich text names) and every link must reach
4.5:1 against the window it sits on; the timeline's "No updates" words 4.5:1 against the band they are
painted on, measured in the painted pixels; the Done page's coloured headlines 4.5:1; the table's text
4.5:1 on its base; and the mark of the selected radio button 3:1 (WCAG's level for what is not text)
against what it is drawn over, measured in the pixels the style paints.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QLabel,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QTableWidget,
)

from offramp.core import paths
from offramp.core.migrate.report import from_json
from offramp.gui import indicators
from offramp.gui.colours import contrast
from offramp.gui.pages.base import page_id
from offramp.gui.pages.done import DonePage
from offramp.gui.wizard import OfframpWizard
from tests.gui.scanned import wizard_on

pytestmark = pytest.mark.gui
R = QPalette.ColorRole
INVENTORY = {
    "platform": "windows",
    "programs": [
        {"name": "Kaspersky Total Security", "publisher": "Kaspersky Lab", "version": "21.2"},
        {"name": "Kaspersky Password Manager", "publisher": "Kaspersky"},
    ],
}
# Windows 10/11 dark mode as Qt's Windows theme builds it: a #1e1e1e window, white text, and the default
# accent colour (#0078d4) for links and selection.
WINDOWS_DARK = {
    R.Window: "#1e1e1e",
    R.WindowText: "#ffffff",
    R.Base: "#2d2d2d",
    R.AlternateBase: "#353535",
    R.Text: "#ffffff",
    R.Button: "#3c3c3c",
    R.ButtonText: "#ffffff",
    R.Highlight: "#0078d4",
    R.HighlightedText: "#ffffff",
    R.Link: "#0078d4",
    R.LinkVisited: "#0078d4",
    R.Mid: "#5a5a5a",
    R.Dark: "#101010",
    R.Light: "#4a4a4a",
    R.Midlight: "#3a3a3a",
    R.Shadow: "#000000",
    R.ToolTipBase: "#2d2d2d",
    R.ToolTipText: "#ffffff",
    R.PlaceholderText: "#a0a0a0",
}
# KDE Plasma's Breeze Dark colour scheme (kdeglobals: Window, View, Button, Selection, ForegroundLink).
BREEZE_DARK = {
    R.Window: "#31363b",
    R.WindowText: "#eff0f1",
    R.Base: "#232629",
    R.AlternateBase: "#31363b",
    R.Text: "#eff0f1",
    R.Button: "#31363b",
    R.ButtonText: "#eff0f1",
    R.Highlight: "#3daee9",
    R.HighlightedText: "#eff0f1",
    R.Link: "#2980b9",
    R.LinkVisited: "#7f8c8d",
    R.Mid: "#2b2f33",
    R.Dark: "#1b1e21",
    R.Light: "#40464c",
    R.Midlight: "#383e43",
    R.Shadow: "#141618",
    R.ToolTipBase: "#31363b",
    R.ToolTipText: "#eff0f1",
    R.PlaceholderText: "#7f8c8d",
}
COLOUR = re.compile(r"color\s*:\s*(#[0-9a-fA-F]{6})")


def palette_of(colours: dict[QPalette.ColorRole, str]) -> QPalette:
    palette = QPalette()
    for role, name in colours.items():
        palette.setColor(role, QColor(name))
    return palette


@pytest.fixture(params=["windows-dark", "breeze-dark", "qt-dark-scheme"])
def dark(request, qapp):
    """The application in a dark palette with Offramp's style sheet, as `offramp-gui` starts; put back after."""
    style = qapp.style().name()
    indicators.install(qapp)  # as offramp-gui starts: the system's style, wrapped, before any palette is set
    before = QApplication.palette()
    hints = qapp.styleHints()
    if request.param == "qt-dark-scheme":
        hints.setColorScheme(Qt.ColorScheme.Dark)
        qapp.processEvents()
        if QApplication.palette().color(R.Window).lightnessF() >= 0.5:
            hints.unsetColorScheme()
            pytest.skip("this platform has no dark colour scheme of its own (Qt's offscreen platform has none)")
    else:
        QApplication.setPalette(palette_of(WINDOWS_DARK if request.param == "windows-dark" else BREEZE_DARK))
    qapp.setStyleSheet((paths.resources_dir() / "style.qss").read_text(encoding="utf-8"))
    yield request.param
    qapp.setStyleSheet("")
    hints.unsetColorScheme()
    QApplication.setPalette(before)
    qapp.setStyle(style)


@pytest.fixture
def wizard(qtbot, dark):
    return wizard_on(qtbot, INVENTORY, "DRK-777")


def visit(wizard: OfframpWizard, name: str) -> None:
    while wizard.currentId() != page_id(name):
        wizard.next()
    QApplication.processEvents()


def label_problems(wizard: OfframpWizard, where: str) -> list[str]:
    """Each visible label whose text, or links, fall short of 4.5:1 on the window behind it."""
    problems = []
    for label in wizard.findChildren(QLabel):
        if not label.isVisible() or not label.text().strip():
            continue
        palette = label.palette()
        window = palette.color(R.Window)
        inks = {"text": palette.color(R.WindowText)}
        inks |= {f"colour {name}": QColor(name) for name in COLOUR.findall(label.text())}
        if "<a " in label.text():
            inks["link"] = palette.color(R.Link)
        for what, ink in inks.items():
            ratio = contrast(ink, window)
            if ratio < 4.5:
                words = re.sub(r"<[^>]+>", "", label.text())[:50]
                problems.append(f"{where}: {what} {ink.name()} on {window.name()} is {ratio:.2f}:1 in {words!r}")
    return problems


def test_every_label_and_link_reads_at_4_5_to_1(wizard) -> None:
    problems = []
    for name in ("welcome", "found", "why", "choose", "rescue", "confirm"):
        visit(wizard, name)
        problems += label_problems(wizard, name)
    assert problems == []


def test_the_tables_text_reads_on_its_base(wizard) -> None:
    visit(wizard, "found")
    table = wizard.currentPage().findChild(QTableWidget)
    palette = table.palette()
    assert contrast(palette.color(R.Text), palette.color(R.Base)) >= 4.5


def test_the_no_updates_words_read_on_the_band_they_are_painted_on(wizard) -> None:
    visit(wizard, "why")
    chart = wizard.pages["why"].chart
    image = chart.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    offset = chart._offset(chart.layout_for(chart.width()))
    [words] = [lab for lab in chart.layout_for(chart.width()).labels if lab.role == "band"]
    assert words.text.startswith("No updates")
    box = words.rect.translated(0, offset).toAlignedRect().intersected(image.rect())
    pixels = [image.pixelColor(x, y) for x in range(box.left(), box.right()) for y in range(box.top(), box.bottom())]
    fill = QColor(Counter(p.rgb() for p in pixels).most_common(1)[0][0])  # most of the box is the band
    ink = max(pixels, key=lambda p: contrast(p, fill))  # the core of a letter: the text's own colour
    assert contrast(ink, fill) >= 4.5, f"{ink.name()} on {fill.name()}: {contrast(ink, fill):.2f}:1"


@pytest.mark.parametrize(
    "outcome",
    [
        {"exit_code": 0, "protection": "protected", "installed": ["Microsoft Defender Antivirus"]},
        {"exit_code": 0, "protection": "unconfirmed", "installed_unverified": ["Microsoft Defender Antivirus"]},
        {"exit_code": 1603, "protection": "none"},
    ],
    ids=["done", "check-one-thing", "stopped"],
)
def test_the_done_pages_headline_reads_in_each_tone(wizard, outcome) -> None:
    done = wizard.page_as(DonePage)
    wizard.go_to("done")
    report = from_json(
        {"support_code": "DRK-777", "steps": [], "replacement": "Microsoft Defender Antivirus", **outcome}
    )
    done.report = report
    done.summary.setText(done.describe(report))
    QApplication.processEvents()
    assert COLOUR.search(done.summary.text())  # the headline is coloured: this measures that colour
    assert label_problems(wizard, "done") == []


def mark_pixels(radio: QRadioButton, checked: QImage, unchecked: QImage) -> list[float]:
    """The contrast of each pixel of the radio's indicator that selecting it changed, against what was there."""
    option = QStyleOptionButton()
    option.initFrom(radio)
    ratio = checked.devicePixelRatio()
    box = radio.style().subElementRect(QStyle.SubElement.SE_RadioButtonIndicator, option, radio)
    box = QRect(int(box.x() * ratio), int(box.y() * ratio), int(box.width() * ratio), int(box.height() * ratio))
    found = []
    for x in range(box.left(), box.right() + 1):
        for y in range(box.top(), box.bottom() + 1):
            on, off = checked.pixelColor(x, y), unchecked.pixelColor(x, y)
            if on.rgb() != off.rgb():
                found.append(contrast(on, off))
    return found


def test_the_selected_radio_buttons_mark_reads_at_3_to_1(wizard) -> None:
    visit(wizard, "choose")
    radios = [r for r in wizard.currentPage().findChildren(QRadioButton) if r.isVisible() and r.isEnabled()]
    selected = next(r for r in radios if r.isChecked())
    other = next(r for r in radios if not r.isChecked())
    checked = selected.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    unchecked = other.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    changed = mark_pixels(selected, checked, unchecked)
    assert len(changed) >= 4, "selecting a radio button drew no mark"
    # The median pixel of the mark, so its anti-aliased rim neither passes nor fails it alone.
    assert statistics.median(changed) >= 3, f"the selection mark is {statistics.median(changed):.2f}:1"


def edge_contrast(widget, window: QColor) -> float:
    """The strongest contrast against the window among the pixels of an unchosen control's indicator."""
    option = QStyleOptionButton()
    option.initFrom(widget)
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    ratio = image.devicePixelRatio()
    element = (
        QStyle.SubElement.SE_RadioButtonIndicator
        if isinstance(widget, QRadioButton)
        else QStyle.SubElement.SE_CheckBoxIndicator
    )
    box = widget.style().subElementRect(element, option, widget)
    box = QRect(int(box.x() * ratio), int(box.y() * ratio), int(box.width() * ratio), int(box.height() * ratio))
    pixels = [
        image.pixelColor(x, y) for x in range(box.left(), box.right() + 1) for y in range(box.top(), box.bottom() + 1)
    ]
    return max(contrast(p, window) for p in pixels)


def test_an_unticked_box_and_an_unchosen_radio_button_show_their_edge_at_3_to_1(wizard) -> None:
    # WCAG 1.4.11: a control's boundary reaches 3:1, or an unticked box on a dark window reads as nothing.
    visit(wizard, "choose")
    window = wizard.currentPage().palette().color(R.Window)
    radios = [r for r in wizard.currentPage().findChildren(QRadioButton) if r.isVisible() and not r.isChecked()]
    boxes = [b for b in wizard.findChildren(QCheckBox) if b.isVisible() and not b.isChecked()]
    assert radios and boxes  # the other replacements, and the helpdesk view's box
    for control in (*radios[:2], *boxes):
        assert edge_contrast(control, window) >= 3, control.text()
