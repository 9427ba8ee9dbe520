"""The wizard's logic without Qt: which page comes next, what each page needs before the person can go on.

The Qt wizard only renders this model, so the decisions (skip to Done when nothing was found, the
default replacement, which data must be acknowledged) are tested here and shared with the CLI.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.data.platforms import this_platform

if TYPE_CHECKING:  # imported when used, so the wizard's first page appears sooner
    from app.core.data.catalogue import Catalogue, DataAtRisk
    from app.core.data.replacements import Replacement
    from app.core.migrate.context import Options
    from app.core.migrate.plan import Plan
    from app.core.migrate.statefile import MigrationState
    from app.core.scan.run import ScanResult

PAGES = ("welcome", "found", "why", "choose", "rescue", "migrate", "done")


class WizardModel:
    """What the person has seen and chosen so far. A plain class, not a dataclass: the wizard's first page
    waits for this module, and a dataclass costs its methods' generation and the `inspect` module."""

    def __init__(
        self,
        support_code: str,
        *,
        root: str | None = None,
        platform: str | None = None,
        helpdesk: bool = False,
        extra_playbooks: Path | None = None,
        allow_loopback_http: bool = False,
        resume_state: MigrationState | None = None,  # an unfinished migration found at start
        catalogue_id: str | None = None,  # which banned product to move off; None: the first shipped, by id
    ):
        self.support_code = support_code
        self.root = root
        self.platform = platform or this_platform()
        self.helpdesk = helpdesk
        self.extra_playbooks = extra_playbooks
        self.allow_loopback_http = allow_loopback_http
        self.resume_state = resume_state
        self.catalogue_id = catalogue_id
        self.scan: ScanResult | None = None
        self.choice: Replacement | None = None
        self.acknowledged: set[str] = set()
        # Probable findings the person confirmed (product ids, "kind name" of leftovers): only these and the
        # certain ones are removed.
        self.confirmed: set[str] = set()
        self.finished = False
        self.exit_code: int | None = None
        self._catalogue: Catalogue | None = None

    # --- what the banned product is (from the catalogue, never from code) ------------------------------
    @property
    def catalogue(self) -> Catalogue:
        if self.scan is not None:
            return self.scan.catalogue
        if self._catalogue is None:
            from app.core.data.catalogue import load_catalogues

            self._catalogue = load_catalogues(self.catalogue_id)[0]
        return self._catalogue

    @property
    def vendor(self) -> str:
        return self.catalogue.vendor.name

    def headline(self) -> tuple[str, dt.date]:
        """The vendor's name and the day of the catalogue's headline event, for the first page."""
        return self.vendor, self.catalogue.headline_event().date

    def headline_sentence(self) -> str:
        """The catalogue's headline sentence ("... since September 29, 2024 it receives no updates there.")."""
        return self.catalogue.headline_text()

    # --- navigation -----------------------------------------------------------------------------------
    def start_page(self) -> str:
        return "migrate" if self.resume_state else "welcome"

    def next_page(self, current: str) -> str | None:
        if current == "found" and self.scan is not None and self.scan.findings.clean:
            return "done"
        index = PAGES.index(current)
        return PAGES[index + 1] if index + 1 < len(PAGES) else None

    def can_leave(self, page: str) -> bool:
        if page == "found":
            return self.scan is not None
        if page == "choose":
            return self.choice is not None
        if page == "rescue":
            return all(risk.id in self.acknowledged for risk in self.risks())
        if page == "migrate":
            return self.finished
        return True

    # --- what pages show ----------------------------------------------------------------------------------
    def replacements(self) -> list[Replacement]:
        from app.core.data.replacements import load_replacements

        found = load_replacements()
        if self.extra_playbooks:
            found += load_replacements(self.extra_playbooks, include_test_only=True)
        platform = self.scan.findings.platform if self.scan else self.platform
        fitting = [r for r in found if platform in r.platforms]
        # The recommended choice first, then those that install by themselves, then by name.
        return sorted(
            fitting, key=lambda r: (platform not in r.recommended_on, not r.silent_on(platform), r.name.lower())
        )

    def default_choice(self) -> Replacement | None:
        platform = self.scan.findings.platform if self.scan else self.platform
        options = self.replacements()
        return next((r for r in options if platform in r.recommended_on), options[0] if options else None)

    def features_had(self) -> set[str]:
        """Features the person had through the banned product (a password manager, a VPN…), to filter choices."""
        if self.scan is None:
            return set()
        catalogue = self.scan.catalogue
        had = set()
        for product in self.scan.findings.installed:
            entry = catalogue.product(product.product_id)
            text = f"{entry.id} {entry.name}".lower()
            if "password" in text:
                had.add("password_manager")
            if "vpn" in text:
                had.add("vpn")
            if "safe-kids" in entry.id or "safe kids" in text:
                had.add("parental_controls")
            # Total Security and the Plus/Premium plans bundle the Password Manager.
            edition = (product.edition or "").lower()
            if entry.family == "consumer" and any(word in edition for word in ("total", "plus", "premium")):
                had.add("password_manager")
        return had

    def risks(self) -> list[DataAtRisk]:
        if self.scan is None:
            return []
        seen: list[DataAtRisk] = []
        for product in self.scan.findings.installed:
            for risk_id in product.data_at_risk:
                risk = self.scan.catalogue.risk(risk_id)
                if risk not in seen:
                    seen.append(risk)
        # What can be lost for good, with a warning attached, comes first.
        return sorted(seen, key=lambda r: r.warning is None)

    def reboot_expected(self) -> bool:
        return self.scan is not None and any(p.reboot in ("required", "maybe") for p in self.scan.findings.installed)

    def options(self) -> Options:
        from app.core.migrate.context import Options

        return Options(
            silent=False,
            root=self.root,
            replacement_ref=str(self.choice.path) if self.choice else None,
            allow_loopback_http=self.allow_loopback_http,
            remove_only=self.choice is None,
            confirmed=tuple(sorted(self.confirmed)),
        )

    def plan(self) -> Plan:
        """The steps the Migrating page shows: the saved plan when an unfinished migration reopens, else the
        plan the session makes from this scan and choice, the same one `offramp migrate` would make."""
        if self.resume_state:
            from app.core.migrate.plan import Plan

            return Plan.from_dict(self.resume_state.plan)
        if self.scan is None:
            raise ValueError("the migration is planned from a scan, and there is none yet")
        from app.core.migrate import session

        options = self.options()
        plan, _replacement = session.plan_from_scan(self.scan, options, session.policy_for(options))
        return plan

    def resumed_statuses(self) -> dict[str, str]:
        """Each step's status as the unfinished migration left it (empty for a new one)."""
        return self.resume_state.statuses() if self.resume_state else {}
