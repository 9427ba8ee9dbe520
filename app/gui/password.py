"""The dialog that asks for an uninstall password, shown only after a removal was refused without one.

It says why it asks, and offers "There is no password" beside OK, so a person whose product has none
is never stuck in front of an empty field that does nothing."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from offramp.core.i18n import _, shown


class PasswordDialog(QDialog):
    def __init__(self, label: str, secret: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Password needed"))
        layout = QVBoxLayout(self)
        why = QLabel(
            _(
                "The removal was refused. The product may be protected with a password set when it was "
                "installed (your helpdesk or the person who set it up knows it). If it has none, choose "
                "There is no password."
            ),
            self,
        )
        why.setWordWrap(True)
        layout.addWidget(why)
        label = shown(label)
        self.field_label = QLabel(label, self)
        layout.addWidget(self.field_label)
        self.field = QLineEdit(self)
        self.field.setEchoMode(QLineEdit.EchoMode.Password if secret else QLineEdit.EchoMode.Normal)
        self.field.setAccessibleName(label)
        self.field_label.setBuddy(self.field)
        layout.addWidget(self.field)
        buttons = QDialogButtonBox(self)
        self.ok = buttons.addButton(QDialogButtonBox.StandardButton.Ok)
        self.none = buttons.addButton(_("There is no password"), QDialogButtonBox.ButtonRole.RejectRole)
        self.ok.setEnabled(False)  # OK with an empty field would do nothing: "There is no password" says that
        self.field.textChanged.connect(lambda text: self.ok.setEnabled(bool(text)))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def answer(self) -> str | None:
        """Shows the dialog; the text typed, or None when there is no password."""
        return self.field.text() if self.exec() == QDialog.DialogCode.Accepted and self.field.text() else None
