"""`make translations`: every message a person reads, extracted into one catalogue, merged into each language.

1. Extracts the marked messages of app/ (`_`, `ngettext`, `Text`, `PluralText`, `N_`: Babel's Python
   extractor, with `# Translators:` comments) and the texts people read from the YAML: the banned-product
   catalogues (headline, legal summary, timeline titles and meanings, data at risk, removal instructions,
   look-alikes' reasons), the replacement playbooks (summary, why recommended, install notes) and the
   walkthrough's sentences. A YAML text is its own message id, so a changed sentence is translated again.
2. Writes resources/translations/offramp.pot.
3. Brings every resources/translations/<language>.po up to date with it (a new message is empty, a changed
   one fuzzy: tests/unit/test_translations.py fails on both until a translator has looked).
4. Compiles each into resources/translations/compiled/<language>.mo.

A new language: `make translations NEW=de` creates de.po, with CLDR's plural forms, from the template.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.extract import extract_from_file  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

from offramp.core import i18n  # noqa: E402

KEYWORDS = {"_": None, "N_": None, "Text": None, "ngettext": (1, 2), "PluralText": (1, 2)}
TEMPLATE = "offramp.pot"
WIDTH = 116


def python_messages() -> Iterator[tuple[str | tuple[str, str], str, list[str]]]:
    """(message, where, comments) for every marked message of app/."""
    for path in sorted((ROOT / "app").rglob("*.py")):
        where = str(path.relative_to(ROOT))
        for _line, message, comments, _context in extract_from_file(
            "python", path, keywords=KEYWORDS, comment_tags=("Translators:",), strip_comment_tags=True
        ):
            if isinstance(message, tuple):
                if len(message) < 2 or not message[0] or not message[1]:
                    continue
                yield (message[0], message[1]), where, list(comments)
            elif message:
                yield message, where, list(comments)


def yaml_messages() -> Iterator[tuple[str | tuple[str, str], str, list[str]]]:
    """(message, where, comments) for every text of the shipped YAML that a person reads."""
    from offramp.core.data.catalogue import load_catalogues
    from offramp.core.data.replacements import load_replacements
    from offramp.core.data.yamlstrict import load
    from offramp.core.output.walkthrough import texts_path

    for catalogue in load_catalogues(None):
        where = str(catalogue.path.relative_to(ROOT))
        if catalogue.headline.text:
            yield catalogue.headline.text, where, ["headline: {vendor} and {date} are filled in"]
        yield catalogue.legal_status.summary, where, ["legal_status.summary"]
        for item in catalogue.legal_status.not_covered:
            yield item, where, ["legal_status.not_covered"]
        for event in catalogue.timeline:
            yield event.title, where, [f"timeline {event.id}: title"]
            yield event.meaning, where, [f"timeline {event.id}: what it means"]
            if event.label:
                yield event.label, where, [f"timeline {event.id}: the chart's few words for it"]
        for risk in catalogue.data_at_risk:
            for name in ("title", "risk", "action", "warning"):
                if getattr(risk, name):
                    yield getattr(risk, name), where, [f"data_at_risk {risk.id}: {name}"]
        if catalogue.vendor.blocked_removal_help:
            yield catalogue.vendor.blocked_removal_help, where, ["vendor.blocked_removal_help"]
        for product in catalogue.products:
            for platform, removal in product.removal.items():
                for method in removal.methods:
                    if method.instructions:
                        yield method.instructions, where, [f"{product.id}: removal on {platform}, {method.kind}"]
        for look_alike in catalogue.not_banned:
            yield look_alike.reason, where, [f"not_banned {look_alike.id}: why it is left alone"]
    for replacement in load_replacements():
        where = str(replacement.path.relative_to(ROOT))
        yield replacement.summary, where, [f"{replacement.id}: summary"]
        if replacement.recommended_reason:
            yield replacement.recommended_reason, where, [f"{replacement.id}: why it is recommended"]
        for platform, install in replacement.install.items():
            for step in install:
                if step.notes:
                    yield step.notes, where, [f"{replacement.id}: install on {platform}, {step.method}"]
        for platform, verify in replacement.verify.items():
            if verify.get("how_to_check"):
                yield verify["how_to_check"], where, [f"{replacement.id}: how a person checks it on {platform}"]
    path = texts_path()
    where = str(path.relative_to(ROOT))
    for key, text in load(path, trusted=True).data["texts"].items():
        if isinstance(text, dict):
            yield (text["one"], text["other"]), where, [f"walkthrough: {key}"]
        else:
            yield text, where, [f"walkthrough: {key}"]


def template() -> Catalog:
    catalogue = Catalog(project="Offramp", version="", msgid_bugs_address="", charset="utf-8", fuzzy=False)
    catalogue.creation_date = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # fixed: the file changes only with its words
    for source in (python_messages(), yaml_messages()):
        for message, where, comments in source:
            existing = catalogue.get(message[0] if isinstance(message, tuple) else message)
            place: Any = (where, None)  # a file without a line: line numbers would churn the .po on every edit
            if existing is not None:
                if place not in existing.locations:
                    existing.locations.append(place)
                existing.auto_comments.extend(c for c in comments if c not in existing.auto_comments)
                continue
            text = message[-1] if isinstance(message, tuple) else message
            flags = ["python-brace-format"] if i18n.fields_of(text) else []
            catalogue.add(message, locations=[place], auto_comments=comments, flags=flags)
    return catalogue


def _write(path: Path, catalogue: Catalog) -> None:
    out = io.BytesIO()
    write_po(out, catalogue, width=WIDTH, sort_by_file=True, include_lineno=False, ignore_obsolete=True)
    data = out.getvalue()
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def translated(catalogue: Catalog) -> int:
    """How many messages have a translation a person finished: every form filled, not fuzzy."""
    done = 0
    for message in catalogue:
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        done += bool(message.id and all(forms) and not message.fuzzy)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new", metavar="LANG", help="start a catalogue for a new language")
    args = parser.parse_args(argv)
    folder = i18n.translations_dir()
    made = template()
    _write(folder / TEMPLATE, made)
    if args.new:
        new = folder / f"{args.new}.po"
        if not new.exists():
            fresh = Catalog(locale=args.new, project="Offramp", version="", charset="utf-8", fuzzy=False)
            _write(new, fresh)
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=po.stem, charset="utf-8")
        catalogue.update(made, update_creation_date=False)
        _write(po, catalogue)
        i18n.compile_catalogue(po.stem)
        print(f"{po.name}: {translated(catalogue)} of {len(made)} translated")
    i18n.forget()
    print(f"{TEMPLATE}: {len(made)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
