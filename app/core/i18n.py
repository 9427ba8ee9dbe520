"""Offramp in the reader's language: one gettext catalogue for the core, the command line and the window.

Every sentence a person reads is written in English in the code or the YAML and looked up, when it is
shown, in `resources/translations/<language>.po` (GNU gettext; `make translations` extracts, updates and
compiles them). A language is a `.po` file: adding one needs no code change.

- `_("…")` and `ngettext("…", "…", n)` translate at once, for what is printed now. Named fields
  (`_("Remove {label}", label=name)`) are filled after the lookup, so translators move them freely.
- `Text("…", **fields)` (and `PluralText`) is English text that remembers how it was made. Records keep
  it as its English words (the plan, the state, the journal, the JSON report stay language-neutral), and
  `shown(value)` gives it in the current language. `recipes()` and `revive()` let a record carry the
  recipes, so a migration resumed after a restart still speaks the person's language.
- The language follows the system (LANGUAGE, LC_ALL, LC_MESSAGES, LANG; the Windows display language;
  the macOS preferred languages); `--lang` overrides it (`set_language`).
- Plural forms come from the catalogue's Plural-Forms header, which Babel writes from CLDR's rules
  (Russian: one, few, many). Dates and numbers in a translation follow CLDR through Babel, imported only
  when a date or a number is shown in another language; English keeps Offramp's ISO dates and plain
  numbers, which admins' scripts and the tests already read.

The compiled catalogues (`compiled/<language>.mo`) are a cache of the `.po` files, like the playbooks'
snapshot: each carries the size and CRC-32 of the `.po` it came from, and a stale or missing one is
compiled again (and rewritten where the folder allows).
"""

from __future__ import annotations

import contextlib
import gettext
import io
import os
import re
import struct
import sys
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from offramp.core import paths

if TYPE_CHECKING:
    import datetime as dt

DOMAIN = "offramp"
SOURCE = "en"  # the language the code and the YAML are written in
COMPILED_DIR = "compiled"
# The stamp a compiled catalogue keeps of its .po file, as a message of its own (a .mo keeps no other header).
STAMP_CONTEXT = "offramp-source"
STAMP_ID = "stamp"
_FIELD = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")

_current: str | None = None
_loaded: dict[str, gettext.NullTranslations] = {}
_available: tuple[str, ...] | None = None


# --- which languages there are, and which one is the reader's ------------------------------------------------
def translations_dir() -> Path:
    return paths.resources_dir() / "translations"


def available() -> tuple[str, ...]:
    """English and every language with a catalogue, e.g. ('en', 'es', 'ru')."""
    global _available
    if _available is None:
        _available = (SOURCE, *sorted(p.stem for p in translations_dir().glob("*.po")))
    return _available


def normalise(name: str | None) -> str | None:
    """'ru_RU.UTF-8', 'es-MX', 'RU' → 'ru', 'es', 'ru'; 'C', 'POSIX' and '' → None."""
    if not name:
        return None
    base = re.split(r"[_.@-]", name.strip(), maxsplit=1)[0].lower()
    return None if base in ("", "c", "posix") else base


def _posix_candidates(environ: Mapping[str, str]) -> list[str]:
    # GNU gettext's order: LANGUAGE (a list, by preference), then the first locale variable that is set.
    found = [part for part in environ.get("LANGUAGE", "").split(":") if part]
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(key):
            found.append(environ[key])
            break
    return found


def _windows_candidates() -> list[str]:  # pragma: no cover - Windows only
    import ctypes
    import locale

    windll = getattr(ctypes, "windll", None)
    if windll is None:
        return []
    name = locale.windows_locale.get(windll.kernel32.GetUserDefaultUILanguage())
    return [name] if name else []


def _macos_candidates() -> list[str]:  # pragma: no cover - macOS only
    """The person's preferred languages from System Settings, which an app started from the Finder gets in no
    environment variable."""
    import ctypes
    import ctypes.util

    found = ctypes.util.find_library("CoreFoundation")
    if not found:
        return []
    cf = ctypes.cdll.LoadLibrary(found)
    cf.CFLocaleCopyPreferredLanguages.restype = ctypes.c_void_p
    cf.CFArrayGetCount.restype = ctypes.c_long
    cf.CFArrayGetCount.argtypes = [ctypes.c_void_p]
    cf.CFArrayGetValueAtIndex.restype = ctypes.c_void_p
    cf.CFArrayGetValueAtIndex.argtypes = [ctypes.c_void_p, ctypes.c_long]
    cf.CFStringGetCString.restype = ctypes.c_bool
    cf.CFStringGetCString.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_long, ctypes.c_uint32]
    cf.CFRelease.argtypes = [ctypes.c_void_p]
    languages = cf.CFLocaleCopyPreferredLanguages()
    if not languages:
        return []
    names = []
    try:
        for index in range(cf.CFArrayGetCount(languages)):
            buffer = ctypes.create_string_buffer(64)
            if cf.CFStringGetCString(cf.CFArrayGetValueAtIndex(languages, index), buffer, 64, 0x08000100):  # UTF-8
                names.append(buffer.value.decode("utf-8"))
    finally:
        cf.CFRelease(languages)
    return names


def system_language(environ: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """The first of the system's languages that Offramp speaks, or English."""
    environ_ = os.environ if environ is None else environ
    platform = platform or sys.platform
    candidates = _posix_candidates(environ_)
    if not candidates:
        try:
            if platform == "win32":
                candidates = _windows_candidates()
            elif platform == "darwin":
                candidates = _macos_candidates()
        except (OSError, AttributeError, ValueError):
            candidates = []
    speaks = available()
    for candidate in candidates:
        language = normalise(candidate)
        if language is None:  # C or POSIX: the system asks for no language, so English
            return SOURCE
        if language in speaks:
            return language
    return SOURCE


def choose(requested: str | None) -> str:
    """The language for `--lang VALUE` (or the system's with None); ValueError names the ones there are."""
    if requested is None:
        return system_language()
    language = normalise(requested) or SOURCE
    if language not in available():
        raise ValueError(f"no translation for {requested!r}: choose one of {', '.join(available())}")
    return language


def set_language(language: str | None) -> str:
    """Makes `language` (or the system's, with None) the one every later message is shown in."""
    global _current
    _current = choose(language)
    return _current


def current() -> str:
    if _current is None:
        return set_language(None)
    return _current


@contextlib.contextmanager
def language(name: str) -> Iterator[None]:
    """Shows everything inside the block in `name`: a page for another reader, or a test."""
    global _current
    before = _current
    _current = SOURCE if name == SOURCE else choose(name)
    try:
        yield
    finally:
        _current = before


# --- the catalogues ---------------------------------------------------------------------------------------
def _stamp(raw: bytes) -> str:
    return f"{len(raw)} {zlib.crc32(raw)}"


def compiled_path(language: str) -> Path:
    return translations_dir() / COMPILED_DIR / f"{language}.mo"


def compile_po(raw_po: bytes) -> bytes:
    """The .mo for a .po file's bytes: translated, non-fuzzy messages only, with the .po's stamp."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalogue = read_po(io.BytesIO(raw_po), charset="utf-8")
    catalogue.add(STAMP_ID, _stamp(raw_po), context=STAMP_CONTEXT)
    out = io.BytesIO()
    write_mo(out, catalogue, use_fuzzy=False)
    return out.getvalue()


def compile_catalogue(language: str, write: bool = True) -> bytes:
    """The compiled catalogue for `language`, up to date with its .po (written back when `write` and allowed)."""
    raw_po = (translations_dir() / f"{language}.po").read_bytes()
    target = compiled_path(language)
    try:
        existing = target.read_bytes()
        if gettext.GNUTranslations(io.BytesIO(existing)).pgettext(STAMP_CONTEXT, STAMP_ID) == _stamp(raw_po):
            return existing
    except (OSError, ValueError, struct.error, IndexError):  # missing, damaged or stale: compiled again below
        pass
    data = compile_po(raw_po)
    if write:
        from offramp.core import atomicfile

        try:
            target.parent.mkdir(exist_ok=True)
            atomicfile.write_bytes(target, data, mode=0o644)  # public, as the .po beside it
        except OSError:
            pass  # a read-only install only pays for compiling in memory
    return data


def translations(language: str) -> gettext.NullTranslations:
    found = _loaded.get(language)
    if found is None:
        if language == SOURCE or not (translations_dir() / f"{language}.po").is_file():
            found = gettext.NullTranslations()
        else:
            found = gettext.GNUTranslations(io.BytesIO(compile_catalogue(language)))
        _loaded[language] = found
    return found


def forget() -> None:
    """Drops the loaded catalogues (after `make translations` rewrote them, or in a test)."""
    global _available
    _loaded.clear()
    _available = None


# --- translating ----------------------------------------------------------------------------------------
def _fill(template: str, fields: dict[str, Any]) -> str:
    if not fields:
        return template
    return _format(template, {key: shown(value) for key, value in fields.items()})


def _format(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        # A value that ends a sentence itself ("29 сентября 2024 г.") takes the place of the full stop after it.
        if value.endswith(".") and "{" + key + "}." in template:
            template = template.replace("{" + key + "}.", "{" + key + "}")
    return template.format(**values)


def _(msgid: str, /, **fields: Any) -> str:
    """`msgid` in the current language, its {fields} filled."""
    return _fill(translations(current()).gettext(msgid), fields)


def N_(msgid: str, /) -> str:
    """Marks `msgid` for the catalogue without translating it: a table of words kept in English, each
    translated with `_()` where it is shown."""
    return msgid


def ngettext(singular: str, plural: str, n: int, /, **fields: Any) -> str:
    """The form for `n` in the current language (Russian has three), with {n} written as the language writes
    numbers and the other {fields} filled."""
    template = translations(current()).ngettext(singular, plural, n)
    return _fill(template, {"n": format_number(n), **fields})


def shown(value: Any) -> str:
    """Anything a record holds, as the current reader reads it: a Text in their language, a text the catalogue
    knows (a catalogue's sentence, a fixed title) translated, anything else as it is."""
    if isinstance(value, Text):
        return value.shown()
    if isinstance(value, str):
        return translations(current()).gettext(value) if value else value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    if isinstance(value, BaseException) and len(value.args) == 1 and isinstance(value.args[0], str):
        # An error whose words are a message (a Text, or a text the catalogue knows), unless it words itself.
        if type(value).__str__ is BaseException.__str__:
            return shown(value.args[0])
    return str(value)


def join_or(names: list[str]) -> str:
    """'A', 'A or B', 'A, B or C' in the reader's language."""
    if len(names) <= 1:
        return "".join(names)
    return _("{items} or {last}", items=_(", ").join(names[:-1]), last=names[-1])


def _english(msgid: str, fields: dict[str, Any]) -> str:
    # A Text's own words: every field as the record keeps it (a Text's English, a number as Python writes it).
    return _format(msgid, {key: str(value) for key, value in fields.items()}) if fields else msgid


class Text(str):
    """English words that remember their message, so a record keeps English and a person reads their language."""

    __slots__ = ("msgid", "fields")
    msgid: str
    fields: dict[str, Any]

    def __new__(cls, msgid: str, /, **fields: Any) -> Text:
        made = super().__new__(cls, _english(msgid, fields))
        made.msgid, made.fields = msgid, fields
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.recipe(),))

    def shown(self) -> str:
        return _(self.msgid, **self.fields)

    def recipe(self) -> dict[str, Any]:
        return {"msgid": self.msgid, "fields": {key: _recipe(value) for key, value in self.fields.items()}}


class PluralText(Text):
    """A Text whose words depend on a count: '{n} product', '{n} products'."""

    __slots__ = ("plural", "n")
    plural: str
    n: int

    def __new__(cls, singular: str, plural: str, n: int, /, **fields: Any) -> PluralText:
        made = str.__new__(cls, _english(singular if n == 1 else plural, {"n": n, **fields}))
        made.msgid, made.plural, made.n, made.fields = singular, plural, n, fields
        return made

    def shown(self) -> str:
        return ngettext(self.msgid, self.plural, self.n, **self.fields)

    def recipe(self) -> dict[str, Any]:
        return {**super().recipe(), "plural": self.plural, "n": self.n}


def _recipe(value: Any) -> Any:
    return value.recipe() if isinstance(value, Text) else value


def from_recipe(recipe: Any) -> Any:
    """The Text a recipe describes (a plain value stays as it is); ValueError for one that is not a recipe."""
    if not isinstance(recipe, dict):
        return recipe
    msgid, fields = recipe.get("msgid"), recipe.get("fields", {})
    if not isinstance(msgid, str) or not isinstance(fields, dict):
        raise ValueError("not a message recipe")
    values = {str(key): from_recipe(value) for key, value in fields.items()}
    if "plural" in recipe:
        if not isinstance(recipe["plural"], str) or not isinstance(recipe.get("n"), int):
            raise ValueError("not a plural message recipe")
        return PluralText(msgid, recipe["plural"], recipe["n"], **values)
    return Text(msgid, **values)


def _rebuild(recipe: dict[str, Any]) -> Any:
    return from_recipe(recipe)


def recipes(record: Any) -> dict[str, Any]:
    """Every Text inside a record (dicts, lists, tuples), by its English words: what a record keeps beside its
    English so `revive` can give the messages back."""
    found: dict[str, Any] = {}
    stack = [record]
    while stack:
        value = stack.pop()
        if isinstance(value, Text):
            found[str(value)] = value.recipe()
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list | tuple):
            stack.extend(value)
    return found


def revive(record: Any, kept: Any) -> Any:
    """The record with each text whose recipe it kept made a Text again; a damaged recipe is left as English."""
    if not isinstance(kept, dict) or not kept:
        return record
    texts = {}
    for english, recipe in kept.items():
        try:
            made = from_recipe(recipe)
        except (ValueError, KeyError, IndexError, TypeError):
            continue
        if made == english:  # the recipe still says what the record says
            texts[english] = made

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return texts.get(value, value)
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(record)


def fields_of(template: str) -> set[str]:
    """The {fields} a message fills in (doubled braces are literal braces)."""
    return set(_FIELD.findall(template))


# --- dates and numbers ----------------------------------------------------------------------------------
def format_date(day: dt.date) -> str:
    """A date as the reader writes it: ISO in English, CLDR's long form in a translation (29 сентября 2024 г.)."""
    language_ = current()
    if language_ == SOURCE:
        return day.isoformat()
    from babel.dates import format_date as babel_date

    return str(babel_date(day, format="long", locale=language_))


def format_number(number: int | float) -> str:
    language_ = current()
    if language_ == SOURCE:
        return str(number)
    from babel.numbers import format_decimal

    return str(format_decimal(number, locale=language_))


def compile_all() -> list[Path]:
    """Compiles every language's catalogue where it lies (the build runs this: `python -m offramp.core.i18n`)."""
    written = []
    for language in available()[1:]:
        compile_catalogue(language)
        written.append(compiled_path(language))
    return written


if __name__ == "__main__":
    for written_path in compile_all():
        print(written_path)
