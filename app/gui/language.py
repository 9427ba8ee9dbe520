"""The window's language: the languages it offers, each named in itself, and Qt's own words in the same one."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from offramp.core import i18n
from offramp.core.i18n import _

_qt: QTranslator | None = None  # Qt's own catalogue (Yes, No, a file dialog's words), installed for the language


def names() -> list[tuple[str, str]]:
    """(language, its name in itself) for every language Offramp speaks: a new .po file adds one here."""
    found = []
    for language in i18n.available():
        with i18n.language(language):
            # Translators: the name of your language, written in your language ("Español", "Русский").
            found.append((language, _("English")))
    return found


def use(language: str | None) -> str:
    """Makes `language` (None: the system's) the one the window and the core speak, Qt's own words included."""
    global _qt
    chosen = i18n.set_language(language)
    app = QCoreApplication.instance()
    if app is None:
        return chosen
    if _qt is not None:
        app.removeTranslator(_qt)
        _qt = None
    if chosen != i18n.SOURCE:
        qt = QTranslator(app)
        if qt.load(QLocale(chosen), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
            _qt = qt
    return chosen
