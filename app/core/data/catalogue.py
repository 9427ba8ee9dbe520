"""The banned-product catalogue as typed, read-only objects: vendor, ban timeline, products, data at risk, look-alikes.

Loaded from playbooks/banned/*.yaml and validated first, so the rest of Offramp can trust its shape.
Detection signatures stay plain mappings: the classifier and the osquery exporter read them as data.

The types are NamedTuples rather than frozen dataclasses because every `offramp scan` imports them: as
dataclasses, the records on the scan's path cost a scan 12 ms or more (docs/architecture.md, "Fast
start"). They are built by keyword all the same, and tests/unit/test_record_types.py keeps it so.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, NamedTuple

from offramp.core import paths


class Event(NamedTuple):
    id: str
    date: dt.date
    title: str
    meaning: str
    sources: tuple[str, ...]
    time: str | None = None
    utc_offset: str | None = None
    approximate: bool = False
    marks: str | None = None
    label: str | None = None  # the chart's few words for it; a milestone without one gets the mark's words

    @property
    def moment(self) -> dt.datetime:
        """The instant the event took effect, in UTC (midnight UTC where the source gives no time)."""
        hh, mm = map(int, (self.time or "00:00").split(":"))
        offset = self.utc_offset or "+00:00"
        sign = -1 if offset[0] == "-" else 1
        tz = dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        return dt.datetime(self.date.year, self.date.month, self.date.day, hh, mm, tzinfo=tz).astimezone(dt.UTC)


class RemovalMethod(NamedTuple):
    kind: str
    silent: bool
    sources: tuple[str, ...]
    packages: tuple[str, ...] = ()
    path: str | None = None
    url: str | None = None
    password: str = "none"
    reboot: str | None = None
    instructions: str | None = None


class Removal(NamedTuple):
    order: int
    reboot: str
    methods: tuple[RemovalMethod, ...]


class Product(NamedTuple):
    id: str
    name: str
    family: str
    platforms: tuple[str, ...]
    detect: dict[str, list[dict[str, Any]]]
    removal: dict[str, Removal]
    sources: tuple[str, ...]
    editions: tuple[str, ...] = ()
    description: str = ""
    protects: bool = True
    definitions: tuple[dict[str, Any], ...] = ()
    data_at_risk: tuple[str, ...] = ()
    roots: dict[str, tuple[str, ...]] = {}  # platform -> the vendor's folders and keys; never changed
    vendor: str = ""  # the name of the vendor whose catalogue lists it, for texts about its removal
    catalogue: str = ""  # that catalogue's id


class DataAtRisk(NamedTuple):
    id: str
    title: str
    risk: str
    action: str
    sources: tuple[str, ...]
    warning: str | None = None


class NotBanned(NamedTuple):
    id: str
    name: str
    maker: str
    reason: str
    detect: dict[str, list[dict[str, Any]]]
    sources: tuple[str, ...]
    kind: str = "look-alike"
    security_product: bool = False


class Vendor(NamedTuple):
    name: str
    legal_names: tuple[str, ...]
    publisher_names: tuple[str, ...]
    sources: tuple[str, ...]
    blocked_removal_help: str = ""


class LegalStatus(NamedTuple):
    may_keep_using: bool
    summary: str
    quote: str
    sources: tuple[str, ...]
    not_covered: tuple[str, ...] = ()


class Headline(NamedTuple):
    """The one event a person is told first (the day updates stopped, the day a ban took effect), in words."""

    mark: str
    text: str  # may hold {vendor} and {date}; empty: the event's own title is used


class Catalogue(NamedTuple):
    id: str
    path: Path
    vendor: Vendor
    timeline: tuple[Event, ...]
    legal_status: LegalStatus
    products: tuple[Product, ...]
    data_at_risk: tuple[DataAtRisk, ...]
    not_banned: tuple[NotBanned, ...]
    headline: Headline = Headline("updates_cutoff", "")
    parts: tuple[Catalogue, ...] = ()  # the catalogues `combine` joined; empty for a single one

    def part_of(self, product_id: str) -> Catalogue:
        """The single catalogue that lists the product (itself, unless combined)."""
        return next((c for c in self.parts if any(p.id == product_id for p in c.products)), self)

    def headline_event(self) -> Event:
        return self.milestone(self.headline.mark)

    def headline_text(self, date_format: str = "{:%B} {.day}, {.year}") -> str:
        """The headline sentence, with the vendor's name and the event's date filled in."""
        event = self.headline_event()
        date = date_format.format(event.date, event.date, event.date)
        if not self.headline.text:
            return f"{event.title} ({date})."
        return self.headline.text.format(vendor=self.vendor.name, date=date)

    def headline_shown(self) -> str:
        """The headline in the reader's language (offramp.core.i18n), its date written their way (ISO in English)."""
        from offramp.core.i18n import _, format_date

        event = self.headline_event()
        if not self.headline.text:
            return _("{title} ({date}).", title=event.title, date=format_date(event.date))
        return _(self.headline.text, vendor=self.vendor.name, date=format_date(event.date))

    def milestone(self, mark: str) -> Event:
        for event in self.timeline:
            if event.marks == mark:
                return event
        raise KeyError(mark)

    def product(self, product_id: str) -> Product:
        for product in self.products:
            if product.id == product_id:
                return product
        raise KeyError(product_id)

    def risk(self, risk_id: str) -> DataAtRisk:
        for item in self.data_at_risk:
            if item.id == risk_id:
                return item
        raise KeyError(risk_id)


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value or ())


def _removal(raw: dict[str, Any]) -> Removal:
    methods = tuple(
        RemovalMethod(
            kind=m["kind"],
            silent=m["silent"],
            sources=_tuple(m["sources"]),
            packages=_tuple(m.get("packages")),
            path=m.get("path"),
            url=m.get("url"),
            password=m.get("password", "none"),
            reboot=m.get("reboot"),
            instructions=m.get("instructions"),
        )
        for m in raw["methods"]
    )
    return Removal(order=raw["order"], reboot=raw["reboot"], methods=methods)


def from_data(data: dict[str, Any], path: Path) -> Catalogue:
    """Builds the typed catalogue from validated data."""
    v = data["vendor"]
    timeline = tuple(
        Event(
            id=e["id"],
            date=dt.date.fromisoformat(e["date"]),
            title=e["title"],
            meaning=e["meaning"],
            sources=_tuple(e["sources"]),
            time=e.get("time"),
            utc_offset=e.get("utc_offset"),
            approximate=e.get("approximate", False),
            marks=e.get("marks"),
            label=e.get("label"),
        )
        for e in data["timeline"]
    )
    products = tuple(
        Product(
            id=p["id"],
            name=p["name"],
            family=p["family"],
            platforms=_tuple(p["platforms"]),
            detect=p["detect"],
            removal={k: _removal(r) for k, r in p["removal"].items()},
            sources=_tuple(p["sources"]),
            editions=_tuple(p.get("editions")),
            description=p.get("description", ""),
            protects=p.get("protects", True),
            definitions=_tuple(p.get("definitions")),
            data_at_risk=_tuple(p.get("data_at_risk")),
            roots={platform: _tuple(paths) for platform, paths in p.get("roots", {}).items()},
            vendor=v["name"],
            catalogue=data["id"],
        )
        for p in data["products"]
    )
    legal = data["legal_status"]
    return Catalogue(
        id=data["id"],
        path=path,
        vendor=Vendor(
            name=v["name"],
            legal_names=_tuple(v["legal_names"]),
            publisher_names=_tuple(v["publisher_names"]),
            sources=_tuple(v["sources"]),
            blocked_removal_help=v.get("blocked_removal_help", ""),
        ),
        timeline=tuple(sorted(timeline, key=lambda e: e.moment)),
        legal_status=LegalStatus(
            may_keep_using=legal["may_keep_using"],
            summary=legal["summary"],
            quote=legal["quote"],
            sources=_tuple(legal["sources"]),
            not_covered=_tuple(legal.get("not_covered")),
        ),
        products=products,
        data_at_risk=tuple(
            DataAtRisk(
                id=d["id"],
                title=d["title"],
                risk=d["risk"],
                action=d["action"],
                sources=_tuple(d["sources"]),
                warning=d.get("warning"),
            )
            for d in data["data_at_risk"]
        ),
        not_banned=tuple(
            NotBanned(
                id=n["id"],
                name=n["name"],
                maker=n["maker"],
                reason=n["reason"],
                detect=n["detect"],
                sources=_tuple(n["sources"]),
                kind=n.get("kind", "look-alike"),
                security_product=n.get("security_product", False),
            )
            for n in data["not_banned"]
        ),
        headline=Headline(
            data.get("headline", {}).get("mark", "updates_cutoff"), data.get("headline", {}).get("text", "")
        ),
    )


def combine(catalogues: tuple[Catalogue, ...]) -> Catalogue:
    """One catalogue that looks up the products, data at risk and look-alikes of several.

    For what reads a scan over every shipped catalogue (the planner, the report): each product still
    carries its own vendor and catalogue id. Classifying is done per catalogue, never with this.
    """
    if len(catalogues) == 1:
        return catalogues[0]
    first = catalogues[0]
    names = tuple(dict.fromkeys(c.vendor.name for c in catalogues))
    return first._replace(
        id="+".join(c.id for c in catalogues),
        vendor=first.vendor._replace(
            name=" / ".join(names),
            publisher_names=tuple(dict.fromkeys(n for c in catalogues for n in c.vendor.publisher_names)),
        ),
        parts=tuple(catalogues),
        timeline=tuple(sorted((e for c in catalogues for e in c.timeline), key=lambda e: e.moment)),
        products=tuple(p for c in catalogues for p in c.products),
        data_at_risk=tuple(d for c in catalogues for d in c.data_at_risk),
        not_banned=tuple(n for c in catalogues for n in c.not_banned),
    )


def load_catalogues(only: str | None = None) -> tuple[Catalogue, ...]:
    """Every shipped catalogue, in id order, or only the one whose id is `only`."""
    from offramp.core.data.shipped import load_shipped

    shipped = tuple(sorted(load_shipped("banned", from_data), key=lambda c: c.id))
    if not shipped:
        raise FileNotFoundError(f"no catalogue in {paths.playbooks_dir() / 'banned'}")
    if only is None:
        return shipped
    chosen = tuple(c for c in shipped if c.id == only)
    if not chosen:
        raise ValueError(f"no catalogue {only!r}; the shipped ones are {', '.join(c.id for c in shipped)}")
    return chosen


def load_catalogue(path: Path | None = None, *, catalogue_id: str | None = None) -> Catalogue:
    """Loads and validates a catalogue file, or the shipped catalogue `catalogue_id`.

    With neither, the shipped catalogue when only one is shipped; with several, the caller must name
    one (or use `load_catalogues`), so no part of Offramp quietly assumes a single banned vendor.
    """
    if path is None:
        shipped = load_catalogues(catalogue_id)
        if len(shipped) != 1:
            raise ValueError(f"several catalogues are shipped ({', '.join(c.id for c in shipped)}): name one")
        return shipped[0]
    from offramp.core.data.validation import load_checked

    doc = load_checked(path, expect_kind="banned-catalogue")
    return from_data(doc.data, Path(path))
