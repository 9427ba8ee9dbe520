"""Page 4: the replacements for this system as cards: free or paid, what each includes, silent or guided install,
and which playbook Offramp follows for it (its id, the day it was verified, and whether it shipped with Offramp,
came as a signed update or from the offline bundle); those that cannot work on this target shown disabled with
the reason, and "remove only" as the last card. Working from an offline bundle, only its replacements are offered,
and the page says so."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QFrame, QLabel, QRadioButton, QScrollArea, QVBoxLayout, QWidget

from offramp.core.data.replacements import Replacement
from offramp.core.i18n import N_, _, shown
from offramp.gui.pages.base import Page

FEATURE_NAMES = {
    "antivirus": N_("antivirus"),
    "firewall": N_("firewall"),
    "vpn": N_("VPN"),
    "password_manager": N_("password manager"),
    "parental_controls": N_("parental controls"),
    "identity_protection": N_("identity protection"),
}
PRICE = {"free": N_("Free"), "paid": N_("Paid"), "free-and-paid": N_("Free, or paid for more")}
# "Only show options that include a VPN": each feature in a sentence of its own, for languages whose words
# for "a" and "like the one" change with the feature's gender.
FILTERS = {
    "password_manager": N_("Only show options that include a password manager, like the one you had"),
    "vpn": N_("Only show options that include a VPN, like the one you had"),
    "parental_controls": N_("Only show options that include parental controls, like the ones you had"),
}


class ChoosePage(Page):
    name = "choose"

    def __init__(self, model, parent=None):
        super().__init__(model, parent)
        self.offline = self.text("")
        self.offline.setVisible(False)
        self.filter = QCheckBox(self)
        self.filter.setVisible(False)
        self.filter.toggled.connect(self._apply_filter)
        self.layout_.addWidget(self.filter)
        self.cards_scroller = QScrollArea(self)
        self.cards_scroller.setWidgetResizable(True)
        self.cards_scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.cards_host = QWidget()
        self.cards = QVBoxLayout(self.cards_host)
        self.cards.setContentsMargins(0, 0, 0, 0)
        self.cards_scroller.setWidget(self.cards_host)
        self.layout_.addWidget(self.cards_scroller, 1)
        self.group = QButtonGroup(self)
        self.group.idToggled.connect(self._chosen)
        self.options: list[Replacement] = []
        self.frames: list[QFrame] = []
        self.retranslate()

    def retranslate(self) -> None:
        super().retranslate()
        self.setTitle(_("Choose a replacement"))
        self.setSubTitle(
            _(
                "Every option here is sold in the United States and gets updates. "
                "You can change your mind until the removal starts."
            )
        )
        self.offline.setAccessibleDescription(_("Offline bundle"))
        if self.options:
            # The cards again, in the new words; the choice made stays made (no new plan, no new consent).
            self.group.blockSignals(True)
            for button in self.group.buttons():
                self.group.removeButton(button)
            while (item := self.cards.takeAt(0)) is not None:
                if (card := item.widget()) is not None:
                    card.deleteLater()
            self.frames = []
            self._build()
            self.group.blockSignals(False)
            self._apply_filter(self.filter.isChecked())

    def initializePage(self) -> None:
        if self.options:
            return
        self.options = self.model.replacements()
        self._build()

    def _build(self) -> None:
        self._say_offline()
        had = self.model.features_had()
        wanted = next((f for f in ("password_manager", "vpn", "parental_controls") if f in had), None)
        if wanted:
            self.filter.setText(_(FILTERS[wanted]))
            self.filter.setProperty("feature", wanted)
            self.filter.setVisible(True)
        default = self.model.choice or (None if self.model.remove_only else self.model.default_choice())
        for index, option in enumerate(self.options):
            self._add_card(index, option, default is not None and option.id == default.id)
        self._add_remove_only(len(self.options), self.model.remove_only)
        self.cards.addStretch(1)

    def _say_offline(self) -> None:
        bundle = self.model.bundle
        if self.model.offline is None:
            return
        import html

        from offramp.core.textsafe import printable

        name = html.escape(printable(self.model.offline.name or str(self.model.offline)))
        made = _(", made on {date}", date=bundle.created[:10]) if bundle and bundle.created else ""
        self.offline.setText(
            _(
                "<b>Working offline:</b> these are the replacements in the bundle “{name}”{made}. Their installers "
                "come from the bundle; nothing is downloaded.",
                name=name,
                made=made,
            )
            if bundle is not None
            else _(
                "<b>Working offline:</b> the bundle “{name}” cannot be used, so there is nothing to install.", name=name
            )
        )
        self.offline.setVisible(True)

    def playbook_text(self, option: Replacement) -> str:
        """Which playbook Offramp follows for `option`, as the report will record it."""
        from offramp.core.migrate.report import SOURCE_WORDS

        used = self.model.playbook_used(option)
        source = str(used["source"])
        return _(
            "<b>Playbook:</b> {id}, verified {date} ({source})",
            id=used["id"],
            date=used["verified_on"],
            source=SOURCE_WORDS.get(source, source),
        )

    def _add_remove_only(self, index: int, checked: bool) -> None:
        frame = QFrame(self.cards_host)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setObjectName("card")
        layout = QVBoxLayout(frame)
        radio = QRadioButton(_("Remove only, install nothing"), frame)
        font = radio.font()
        font.setBold(True)
        radio.setFont(font)
        self.group.addButton(radio, index)
        layout.addWidget(radio)
        detail = QLabel(
            _(
                "Not recommended for most people: {vendor} is removed and nothing takes its place, so this computer "
                "relies on the protection its system provides. Choose this if you will install something "
                "yourself.",
                vendor=self.model.vendor,
            ),
            frame,
        )
        detail.setWordWrap(True)
        detail.setContentsMargins(24, 0, 0, 0)
        detail.setBuddy(radio)
        layout.addWidget(detail)
        self.cards.addWidget(frame)
        self.remove_only_frame = frame
        radio.setChecked(checked)

    def _add_card(self, index: int, option: Replacement, checked: bool) -> None:
        platform = self.model.scan.findings.platform if self.model.scan else self.model.platform
        frame = QFrame(self.cards_host)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setObjectName("card")
        layout = QVBoxLayout(frame)
        radio = QRadioButton(_("{name}  —  {price}", name=option.name, price=_(PRICE[option.price])), frame)
        radio.setAccessibleName(option.name)
        blocked = self.model.unavailable(option)
        font = radio.font()
        font.setBold(True)
        radio.setFont(font)
        self.group.addButton(radio, index)
        layout.addWidget(radio)
        includes = _(", ").join(_(FEATURE_NAMES[f]) for f in option.features())
        install = (
            _("automatic, nothing to click")
            if option.silent_on(platform)
            else _(
                "You install it from {vendor}'s website; Offramp opens the page at the right moment",
                vendor=option.vendor,
            )
        )
        lines = [
            shown(option.summary),
            _("<b>Includes:</b> {features}", features=includes),
            _("<b>Installing:</b> {how}", how=install),
            _("<b>Made by:</b> {vendor} — {country}", vendor=option.vendor, country=option.vendor_country),
            self.playbook_text(option),
        ]
        if platform in option.recommended_on and option.recommended_reason and not blocked:
            lines.insert(0, _("<b>Recommended: {reason}</b>", reason=option.recommended_reason))
        if blocked:
            lines.insert(0, _("<b>Not available here: {reason}</b>", reason=blocked))
            radio.setEnabled(False)
            checked = False
        detail = QLabel("<br>".join(lines), frame)
        detail.setWordWrap(True)
        detail.setTextFormat(Qt.TextFormat.RichText)
        detail.setContentsMargins(24, 0, 0, 0)
        detail.setBuddy(radio)
        layout.addWidget(detail)
        self.cards.addWidget(frame)
        self.frames.append(frame)
        radio.setChecked(checked)

    @Slot(int, bool)
    def _chosen(self, index: int, on: bool) -> None:
        if on:
            # Through the model, so a changed choice makes a new plan and asks for consent again.
            self.model.choose(self.options[index] if index < len(self.options) else None)
            self.completeChanged.emit()

    @Slot(bool)
    def _apply_filter(self, on: bool) -> None:
        feature = self.filter.property("feature")
        for option, frame in zip(self.options, self.frames, strict=True):
            frame.setVisible(not on or bool(option.includes.get(feature)))
        self.remove_only_frame.setVisible(not on)
