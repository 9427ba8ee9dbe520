"""The walkthrough's English pages, byte for byte, for every shipped playbook, system and catalogue.

The files under tests/fixtures/walkthrough/ were written from the walkthrough before its prose moved out of
Python into playbooks/walkthrough.yaml, so moving the words (or translating them) cannot change what an
English-speaking helpdesk reads. The plain-text pages for the shipped catalogues together are kept whole,
so a change shows as a diff; every other page (HTML, one catalogue at a time) as its SHA-256.

When a playbook, the catalogue or the walkthrough's wording changes on purpose, write the files again with
`python -m tests.unit.test_walkthrough_golden` and review the diff.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from offramp.core import i18n
from offramp.core.data.catalogue import Catalogue, combine, load_catalogues
from offramp.core.data.replacements import load_replacements
from offramp.core.output.walkthrough import WalkthroughError, render_walkthrough_html, render_walkthrough_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "walkthrough"
DIGESTS = FIXTURES / "digests.json"


def _catalogues() -> dict[str, Catalogue]:
    found = {"all": combine(load_catalogues(None))}
    found.update({c.id: c for c in load_catalogues(None)})
    return found


def pages() -> Iterator[tuple[str, str]]:
    """(key, page) for every catalogue, playbook (test playbooks too), system and format."""
    with i18n.language("en"):
        for catalogue_id, catalogue in _catalogues().items():
            for replacement in load_replacements():
                for platform in replacement.platforms:
                    for suffix, render in (("txt", render_walkthrough_text), ("html", render_walkthrough_html)):
                        try:
                            page = render(replacement, platform, catalogue, include_test_only=True)
                        except WalkthroughError:
                            continue
                        yield f"{catalogue_id}/{replacement.id}/{platform}.{suffix}", page


def _whole_file(key: str) -> Path | None:
    """The pages kept whole: plain text for every shipped catalogue together."""
    catalogue_id, replacement_id, rest = key.split("/")
    platform, suffix = rest.rsplit(".", 1)
    return FIXTURES / f"{replacement_id}.{platform}.txt" if catalogue_id == "all" and suffix == "txt" else None


def _digest(page: str) -> str:
    return hashlib.sha256(page.encode("utf-8")).hexdigest()


def test_every_english_page_is_unchanged() -> None:
    expected = json.loads(DIGESTS.read_text(encoding="utf-8"))
    made = dict(pages())
    assert sorted(made) == sorted(expected), "the set of pages changed: regenerate on purpose (see the docstring)"
    for key, page in made.items():
        whole = _whole_file(key)
        if whole is not None:
            assert page == whole.read_text(encoding="utf-8"), key
        assert _digest(page) == expected[key], key


def test_the_kept_pages_are_the_whole_plain_text_set() -> None:
    kept = {p.name for p in FIXTURES.glob("*.txt")}
    assert kept == {f.name for f in (_whole_file(k) for k in json.loads(DIGESTS.read_text())) if f is not None}
    assert len(kept) >= 15


def _write() -> None:
    digests = {}
    for key, page in pages():
        digests[key] = _digest(page)
        whole = _whole_file(key)
        if whole is not None:
            whole.write_text(page, encoding="utf-8")
    DIGESTS.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    _write()
    sys.exit(0)
