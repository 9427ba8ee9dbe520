"""The window in every language: each page's words fit their widgets, none is left in English where the
language has a translation, and the first page's menu switches the language of a window already open."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from offramp.core import i18n
from offramp.gui import language
from offramp.gui.pages.base import page_id
from offramp.gui.pages.rescue import RescuePage
from offramp.gui.pages.welcome import WelcomePage
from offramp.gui.wizard import OfframpWizard
from tests.conftest import REPO
from tests.gui.scanned import wizard_on

sys.path.insert(0, str(REPO / "tools"))
from screenshots import INVENTORY  # noqa: E402  # the typical home machine the screenshots show

pytestmark = pytest.mark.gui
PAGES = ("welcome", "found", "why", "choose", "rescue", "confirm")


@pytest.fixture
def speaking() -> Iterator[None]:
    """Reads the shipped catalogues afresh (another test may have loaded one of its own), and puts the language
    back as it was: the rest of the tests read English."""
    before = i18n._current
    i18n.forget()
    yield
    language.use(before or i18n.SOURCE)


def plain(text: str) -> str:
    shown = QTextDocument()
    shown.setHtml(text)
    return " ".join(shown.toPlainText().split())


def does_not_fit(widget: QWidget) -> str | None:
    """Why `widget`'s words do not fit it, or None: a wrapped label needs its height for its width, any other
    label or button the width of its words (Qt cuts, never wraps, a button's text)."""
    if isinstance(widget, QLabel):
        if not widget.text():
            return None
        if widget.wordWrap():
            needed = widget.heightForWidth(widget.width())
            return f"needs {needed} px of height, has {widget.height()}" if needed > widget.height() else None
        needed = widget.sizeHint().width()
        return f"needs {needed} px of width, has {widget.width()}" if needed > widget.width() else None
    if isinstance(widget, QAbstractButton) and widget.text():
        needed = widget.sizeHint().width()
        return f"needs {needed} px of width, has {widget.width()}" if needed > widget.width() else None
    return None


WIDTH, HEIGHT = 820, 640  # the size the window opens at (OfframpWizard.fit_to_screen)


def problems_on(wizard: OfframpWizard, name: str, lang: str) -> list[str]:
    catalogue = i18n.translations(lang)
    found = []
    if wizard.width() > WIDTH:  # words too wide for a page make Qt widen the whole window past the screen's
        found.append(f"{lang} {name}: the window grew to {wizard.width()} px wide to fit its words")
    shown = [w for w in wizard.findChildren(QWidget) if isinstance(w, QLabel | QAbstractButton) and w.isVisible()]
    for widget in shown:
        text = widget.text()
        what = f"{lang} {name}: {type(widget).__name__} {plain(text)[:60]!r}"
        if (why := does_not_fit(widget)) is not None:
            found.append(f"{what} {why}")
        # A widget as wide as its words can still push the page wider than the window, which then scrolls
        # sideways: its right edge must lie inside what the window shows.
        right = widget.mapTo(wizard, QPoint(widget.width(), 0)).x()
        if text and right > min(wizard.width(), WIDTH):
            found.append(f"{what} runs {right - WIDTH} px past the window's right edge")
        if lang != i18n.SOURCE and text and catalogue.gettext(text) != text:
            found.append(f"{what} is still its English")
    return found


def walk(wizard: OfframpWizard, lang: str) -> list[str]:
    found: list[str] = []
    for name in PAGES:
        while wizard.currentId() != page_id(name):
            if wizard.currentId() == page_id("rescue"):
                for box in wizard.page_as(RescuePage).boxes.values():
                    box.setChecked(True)
            wizard.next()
        wizard.resize(WIDTH, HEIGHT)
        for _ in range(3):
            from PySide6.QtWidgets import QApplication

            QApplication.processEvents()
        found += problems_on(wizard, name, lang)
    return found


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
def test_every_page_fits_and_is_translated(qtbot, speaking, lang: str) -> None:
    language.use(lang)
    wizard = wizard_on(qtbot, INVENTORY, "K7F-M4Q")
    problems = walk(wizard, lang)
    assert not problems, "\n".join(problems)


def test_the_check_sees_words_that_do_not_fit_or_stayed_english(qtbot, speaking) -> None:
    language.use("ru")
    wizard = wizard_on(qtbot, INVENTORY, "K7F-M4Q")
    wizard.resize(WIDTH, HEIGHT)
    qtbot.wait(10)
    page = wizard.page_as(WelcomePage)
    english = i18n.translations("ru")
    page.setSubTitle(english.gettext("Offramp"))  # the subtitle is not a label of the page's own
    button = page.findChild(QLabel, "supportCode")
    assert button is not None
    button.setWordWrap(False)
    button.setText("Очень длинный текст " * 30)
    label = page.language_label
    label.setText("Welcome to Offramp")
    problems = problems_on(wizard, "welcome", "ru")
    assert any("Очень длинный" in p and "width" in p for p in problems), problems
    assert any("Welcome to Offramp" in p and "English" in p for p in problems), problems


def test_the_menu_switches_the_open_window(qtbot, speaking) -> None:
    language.use("en")
    wizard = wizard_on(qtbot, INVENTORY, "K7F-M4Q")
    assert wizard.currentPage().title() == "Welcome to Offramp"
    menu = wizard.page_as(WelcomePage).languages
    menu.setCurrentIndex(menu.findData("ru"))
    menu.activated.emit(menu.currentIndex())
    assert i18n.current() == "ru"
    assert wizard.currentPage().title() == "Добро пожаловать в Offramp"
    assert wizard.buttonText(wizard.WizardButton.NextButton) == "&Далее >"
    assert wizard.helpdesk.text() == "Режим поддержки"
    assert wizard.helpdesk.shortcut().toString() == "Ctrl+H"
    qtbot.wait(10)  # the page lays its new words out
    assert problems_on(wizard, "welcome", "ru") == []


@pytest.mark.parametrize("lang", ["es", "ru"])
def test_the_done_page_tells_the_outcome_in_the_language(qtbot, speaking, lang: str) -> None:
    # The Done page's headline and what to check come from the verdict the HTML report shows too: in another
    # language, none of the English sentences may remain, whatever the outcome.
    from offramp.core.migrate.report import Report
    from offramp.core.output.verdict import verdict
    from offramp.gui.pages.done import DonePage

    language.use(lang)
    wizard = wizard_on(qtbot, INVENTORY, "K7F-M4Q")
    done = wizard.page_as(DonePage)
    outcomes = [
        Report(exit_code=0, replacement="ClamAV", support_code="K7F-M4Q", protection="protected", installed=["ClamAV"]),
        Report(exit_code=0, replacement="ClamAV", support_code="K7F-M4Q", protection="unconfirmed"),
        Report(exit_code=0, support_code="K7F-M4Q", protection="none", removed=["Kaspersky Total Security"]),
        Report(exit_code=24, replacement="ClamAV", support_code="K7F-M4Q", removed=["Kaspersky Password Manager"]),
        Report(exit_code=0, support_code="K7F-M4Q", nothing_found=True, vendor="Kaspersky"),
    ]
    for report in outcomes:
        with i18n.language(i18n.SOURCE):
            english = verdict(report)
        said = verdict(report)
        text = plain(done.describe(report))
        assert said.headline in text and said.headline != english.headline, text
        assert english.headline not in text, text
        if english.detail:
            assert english.detail not in text and said.detail and said.detail in text, text
