"""Replacement playbooks as typed objects: what each product offers, how it installs, how to prove it protects."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FEATURES = ("antivirus", "firewall", "vpn", "password_manager", "parental_controls", "identity_protection")


class InstallMethod(NamedTuple):
    method: str
    silent: bool
    sources: tuple[str, ...]
    details: Mapping[str, Any] = MappingProxyType({})  # the method's own fields (id, url, sha256, args…)
    notes: str | None = None

    @property
    def signer(self) -> Mapping[str, Any] | None:
        """The pinned signer of a downloaded installer (schema: $defs/signer), or None."""
        return self.details.get("signer")


class Replacement(NamedTuple):
    id: str
    path: Path
    name: str
    vendor: str
    vendor_country: str
    summary: str
    platforms: tuple[str, ...]
    price: str
    includes: dict[str, bool]
    install: dict[str, tuple[InstallMethod, ...]]
    verify: dict[str, dict[str, Any]]
    sources: tuple[str, ...]
    verified_on: dt.date
    recommended_on: tuple[str, ...] = ()
    recommended_reason: str | None = None
    test_only: bool = False
    notes: str | None = None

    def silent_on(self, platform: str) -> bool:
        """True when the preferred install method on this platform runs unattended."""
        methods = self.install.get(platform, ())
        return bool(methods) and methods[0].silent

    def features(self) -> list[str]:
        return [f for f in FEATURES if self.includes.get(f)]


def from_data(data: dict[str, Any], path: Path) -> Replacement:
    install = {
        platform: tuple(
            InstallMethod(
                method=m["method"],
                silent=m["silent"],
                sources=tuple(m["sources"]),
                notes=m.get("notes"),
                details={k: v for k, v in m.items() if k not in ("method", "silent", "sources", "notes")},
            )
            for m in methods
        )
        for platform, methods in data["install"].items()
    }
    recommended = data.get("recommended") or {}
    return Replacement(
        id=data["id"],
        path=path,
        name=data["name"],
        vendor=data["vendor"],
        vendor_country=data["vendor_country"],
        summary=data["summary"],
        platforms=tuple(data["platforms"]),
        price=data["price"],
        includes={f: bool(data["includes"][f]) for f in FEATURES},
        install=install,
        verify=data["verify"],
        sources=tuple(data["sources"]),
        verified_on=dt.date.fromisoformat(data["verified_on"]),
        recommended_on=tuple(recommended.get("platforms", ())),
        recommended_reason=recommended.get("reason"),
        test_only=data.get("test_only", False),
        notes=data.get("notes"),
    )


def load_replacement(path: Path) -> Replacement:
    """One playbook an admin or a test supplies: input, so validated in full."""
    from offramp.core.data.validation import load_checked

    doc = load_checked(path, expect_kind="replacement")
    return from_data(doc.data, Path(path))


def load_replacements(folder: Path | None = None, *, include_test_only: bool = False) -> list[Replacement]:
    """Every replacement playbook in a folder (default: the shipped ones), sorted by name."""
    if folder is None:
        from offramp.core.data.shipped import load_shipped

        found = load_shipped("replacements", from_data)
    else:  # an admin's or a test's own playbooks: input, so validated in full
        found = [load_replacement(p) for p in sorted(folder.glob("*.yaml"))]
    return sorted((r for r in found if include_test_only or not r.test_only), key=lambda r: r.name.lower())


def current_replacements(*, include_test_only: bool = False) -> list[Replacement]:
    """The replacements on offer: the shipped playbooks, each replaced by the one a signed update took for its
    id (as `find_replacement` prefers it), and any the updates added. An update file that no longer
    validates is left out, so the shipped playbook stands, as it would if the update had not happened."""
    from offramp.core import eventlog, paths
    from offramp.core.data.validation import InvalidPlaybook

    by_id = {r.id: r for r in load_replacements(include_test_only=True)}
    for path in sorted((paths.playbook_updates_dir() / "replacements").glob("*.yaml")):
        try:
            updated = load_replacement(path)
        except (InvalidPlaybook, OSError) as exc:
            eventlog.event("playbooks.update.unusable", f"{path.name} is not used: {exc}", console=False)
            continue
        by_id[updated.id] = updated
    found = (r for r in by_id.values() if include_test_only or not r.test_only)
    return sorted(found, key=lambda r: r.name.lower())


def find_replacement(ref: str, *, include_test_only: bool = True) -> Replacement:
    """A playbook by id, or by path to a YAML file (admins may ship their own)."""
    candidate = Path(ref)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return load_replacement(candidate)
    if _ID.match(ref):
        from offramp.core import paths

        # A playbook from the signed update repository wins over the shipped one (the update never
        # takes one older than the shipped file); it is input, so validated in full.
        updated = paths.playbook_updates_dir() / "replacements" / f"{ref}.yaml"
        if updated.is_file():
            return load_replacement(updated)
    for replacement in load_replacements(include_test_only=include_test_only):
        if replacement.id == ref:
            return replacement
    raise KeyError(ref)


def presence_signatures(replacements: list[Replacement], platform: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(id, name, signature) that show a replacement is already installed, from each playbook's verify section."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for r in replacements:
        verify = r.verify.get(platform) or {}
        if platform == "windows":
            out += [(r.id, r.name, {"table": "programs", "where": {"name": n}}) for n in verify.get("programs", [])]
            out += [
                (r.id, r.name, {"table": "windows_security_products", "where": {"name": n}})
                for n in verify.get("security_center", [])
            ]
        elif platform == "linux":
            for package in verify.get("packages", []):
                out.append((r.id, r.name, {"table": "deb_packages", "where": {"name": package}}))
                out.append((r.id, r.name, {"table": "rpm_packages", "where": {"name": package}}))
        elif platform == "darwin":
            out += [
                (r.id, r.name, {"table": "apps", "where": {"bundle_identifier": b}}) for b in verify.get("apps", [])
            ]
    return out
