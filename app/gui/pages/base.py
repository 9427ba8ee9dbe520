"""What every wizard page shares: the model, a header for the helpdesk, a scrollable body, helpdesk details, and
'may the person go on?'.

The header is one line of small text above the body: "Page 2 of 8", while migrating "Step 3 of 11", and the
support code, so a person on the phone can say where they are whatever page they are on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget, QWizardPage

from offramp.core.i18n import _
from offramp.core.wizard_flow import PAGES, WizardModel, page_number

if TYPE_CHECKING:
    from PySide6.QtWidgets import QCheckBox, QPlainTextEdit

W = TypeVar("W", bound=QWidget)

# Label settings the first page needs, as Qt's own numbers set through its property system. The first use
# of PySide6's `Qt` namespace turns all of its ~100 enums into Python enums (15 ms measured, as long as
# the rest of the first page together), so the code that runs before the window appears does not touch it.
# This is the one place the rule is written down; tests/gui/test_first_page.py fails when the first page uses it.
RICH_TEXT = 1  # Qt::RichText
SELECTABLE = 0x1  # Qt::TextSelectableByMouse
SELECTABLE_WITH_LINKS = 0x1 | 0x4 | 0x8  # Qt::TextBrowserInteraction: selectable, links by mouse and keyboard
ALIGN_RIGHT = 0x2 | 0x80  # Qt::AlignRight | Qt::AlignVCenter
HEADER_SCALE = 0.85  # the header's text against the body's: small, and still the system font's own scale


def rich_label(label: QLabel, *, links: bool = False) -> QLabel:
    """Makes a label show rich text the person can select (and follow links in, with `links`)."""
    label.setProperty("textFormat", RICH_TEXT)
    label.setProperty("textInteractionFlags", SELECTABLE_WITH_LINKS if links else SELECTABLE)
    label.setOpenExternalLinks(links)
    return label


def page_id(name: str) -> int:
    return PAGES.index(name)


class Page(QWizardPage):
    name = ""

    def __init__(self, model: WizardModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        # The page's content scrolls, so the window fits any screen (200% on a laptop leaves ~500 px of
        # height) with Back, Next and Cancel always visible; the body sits at the top of the page.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.header = QLabel(self)
        self.header.setObjectName("helpdeskHeader")
        self.header.setProperty("alignment", ALIGN_RIGHT)
        self.header.setProperty("textInteractionFlags", SELECTABLE)  # the code can be copied into a chat
        small = self.header.font()
        small.setPointSizeF(small.pointSizeF() * HEADER_SCALE)
        self.header.setFont(small)
        outer.addWidget(self.header)
        self.body_scroll = QScrollArea(self)
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget(self.body_scroll)
        self.layout_ = QVBoxLayout(self.body)
        self.layout_.setSpacing(10)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.body_scroll.setWidget(self.body)
        outer.addWidget(self.body_scroll)

    def where(self) -> list[str]:
        """Where the person is, for the header: the page's number (the recover page, met only on a relaunch,
        has none). The Migrating page adds the step."""
        number = page_number(self.name)
        if number is None:
            return []
        return [_("Page {number} of {total}", number=number[0], total=number[1])]

    def refresh_header(self) -> None:
        """Writes the header afresh; the wizard calls it once the page is built, the page when its step changes."""
        code = _("Support code {code}", code=self.model.support_code)
        self.header.setText("  ·  ".join([*self.where(), code]))

    def retranslate(self) -> None:
        """Writes the page's words again in the current language, after the language menu changed it. Pages
        write their fixed words here (their __init__ calls it) and show again what they have already shown."""
        self.refresh_header()

    def text(self, html: str, *, links: bool = False, name: str | None = None) -> QLabel:
        """A label of rich text. `name` is only a description for assistive technology: the label's own
        text is what a screen reader reads, so no short name ever replaces it."""
        label = rich_label(QLabel(html, self), links=links)
        label.setWordWrap(True)
        if name:
            label.setAccessibleDescription(name)
        self.layout_.addWidget(label)
        return label

    def expandable(self, label: str, name: str) -> tuple[QCheckBox, QPlainTextEdit]:
        """A tick box and the read-only text it shows or hides (the log)."""
        from PySide6.QtWidgets import QPlainTextEdit  # here: the first page has none

        text = QPlainTextEdit(self)
        text.setReadOnly(True)
        return self.expands(label, name, text)

    def expands(self, label: str, name: str, shown: W) -> tuple[QCheckBox, W]:
        """A tick box and the widget it shows or hides (technical details, the log): a box that says whether
        the widget is shown, where a toggled button would leave the person guessing."""
        from PySide6.QtWidgets import QCheckBox  # here: the first page has none

        box = QCheckBox(label, self)
        box.setAccessibleName(label)
        shown.setAccessibleName(name)
        shown.setVisible(False)
        self.layout_.addWidget(box)
        self.layout_.addWidget(shown, 1)
        return box, shown

    def set_helpdesk(self, on: bool) -> None:
        """Helpdesk view: step numbers and technical details everywhere. Pages override to show more."""

    def cancel(self) -> bool:
        """Asks work this page runs to stop at its next safe point. True when some was running, so the wizard
        stays open; a page that runs nothing has nothing to stop."""
        return False

    def nextId(self) -> int:
        following = self.model.next_page(self.name)
        return page_id(following) if following else -1

    def isComplete(self) -> bool:
        return self.model.can_leave(self.name)
