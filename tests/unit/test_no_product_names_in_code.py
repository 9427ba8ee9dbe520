"""No product name of any shipped catalogue appears in Offramp's Python code: what is banned is data.

The names are read from the catalogues themselves (vendor, legal and publisher names, product names
and editions), so a catalogue added later is covered without touching this test.
"""

from __future__ import annotations

import re
from pathlib import Path

from offramp.core.data.catalogue import load_catalogues

APP = Path(__file__).resolve().parents[2] / "app"


def product_names() -> set[str]:
    names: set[str] = set()
    for catalogue in load_catalogues():
        vendor = catalogue.vendor
        names |= {vendor.name, *vendor.legal_names, *vendor.publisher_names}
        for product in catalogue.products:
            names |= {product.name, *product.editions}
    return {n for n in names if len(n) >= 3}


def test_the_catalogues_give_names_to_look_for() -> None:
    names = product_names()
    assert {"Kaspersky", "Kingsoft", "WPS Office"} <= names


def test_no_catalogue_product_name_in_python_code_under_app() -> None:
    names = product_names()
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)), re.IGNORECASE)
    hits = [
        f"{path.relative_to(APP.parent)}:{n}: {line.strip()}"
        for path in sorted(APP.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []
