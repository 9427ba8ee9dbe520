"""The wizard's logic without Qt: which page comes next, what each page needs before the person can go on.

The Qt wizard only renders this model, so the decisions (skip to Done when nothing was found, the
default replacement, which data must be acknowledged, that nothing is removed before the person
pressed the action button on "Ready to remove", what a failed run offers next) are tested here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from offramp.core.data.platforms import this_platform
from offramp.core.i18n import Text, _

if TYPE_CHECKING:  # imported when used, so the wizard's first page appears sooner
    from offramp.core.data.catalogue import Catalogue, DataAtRisk
    from offramp.core.data.replacements import Replacement
    from offramp.core.migrate.bundle import Bundle
    from offramp.core.migrate.context import Options
    from offramp.core.migrate.plan import Plan
    from offramp.core.migrate.statefile import MigrationState
    from offramp.core.scan.run import ScanResult

# The pages in the order a person meets them; "recover" is shown only on a relaunch after a failed run,
# so it comes last and is not counted in "Page N of M".
PAGES = ("welcome", "found", "why", "choose", "rescue", "confirm", "migrate", "done", "recover")
NUMBERED = PAGES[:-1]
STOPPED = ("failed", "cancelled")  # a step status after which a relaunch asks: continue or start over?


def page_number(name: str) -> tuple[int, int] | None:
    """(N, M) of the helpdesk header's "Page N of M" on page `name`; None for the recover page, which is not counted."""
    if name not in NUMBERED:
        return None
    return NUMBERED.index(name) + 1, len(NUMBERED)


class HelpdeskPlace(NamedTuple):
    """One place the helpdesk header names: a page ("Page N of M") and, on the Migrating page, the step running
    ("Step N of M", as the runner announces it: the step's position in the plan)."""

    page: str
    number: int
    pages: int
    step_id: str | None = None
    step: int | None = None
    steps: int | None = None


class BundleCheck(NamedTuple):
    """What checking the offline bundle found: the bundle and its replacements, or the problem in words."""

    bundle: Bundle | None
    replacements: list[Replacement]
    problem: str | None


class Ready(NamedTuple):
    """What the "Ready to remove" page lists before the person agrees."""

    removed: list[tuple[str, list[str]]]  # each product to remove, with the data it can take with it
    leftovers: int  # parts left behind by earlier removals that will be cleaned up
    cleanup: bool  # the run cleans up after the uninstallers: the person may keep what they leave instead
    installed: str | None  # the replacement, or None for remove-only
    guided: bool  # the replacement is installed by the person, from its maker's page
    builtin: bool  # the replacement is part of the system: it is switched on, not installed
    irreversible: list[str]  # what cannot be undone, in words
    restart: str  # required, maybe or none
    action: str  # the button's text: the action itself


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
        offline: Path | None = None,  # an offline bundle: its replacements only, and no network
    ):
        self.support_code = support_code
        self.root = root
        self.platform = platform or this_platform()
        self.helpdesk = helpdesk
        self.extra_playbooks = extra_playbooks
        self.allow_loopback_http = allow_loopback_http
        self.resume_state = resume_state
        self.catalogue_id = catalogue_id
        self.offline = Path(offline) if offline else None
        self.bundle: Bundle | None = None  # the offline bundle once every file in it checked out
        self.bundle_problem: str | None = None  # why the offline bundle cannot be used, in words
        self._bundled: list[Replacement] = []  # the bundle's playbooks, read when it was checked
        self.scan: ScanResult | None = None
        self.choice: Replacement | None = None
        self.remove_only = False  # the person chose to remove without installing anything
        self.acknowledged: set[str] = set()
        # Probable findings the person confirmed (product ids, "kind name" of leftovers): only these and the
        # certain ones are removed.
        self.confirmed: set[str] = set()
        # What the uninstallers leave behind (and earlier removals left): deleted, or kept and listed in the
        # report. The person says on "Ready to remove"; the clean-up then asks nothing more.
        self.clear_leftovers = True
        self.finished = False
        self.exit_code: int | None = None
        self.continue_run = True  # on "recover": carry on with the saved run, or start over
        # Root's worker holds an unfinished migration this unprivileged window cannot read (mirror.py); a
        # start after "start over" then asks the worker to set it aside first.
        self.worker_unfinished = False
        self.replace_unfinished = False
        self._catalogue: Catalogue | None = None
        self._plan: Plan | None = None
        self._planned_for: frozenset[str] = frozenset()  # the confirmed findings the plan was made with
        self._consented: str | None = None  # the fingerprint of the plan the person agreed to

    # --- what the banned product is (from the catalogue, never from code) ------------------------------
    @property
    def catalogue(self) -> Catalogue:
        if self.scan is not None:
            return self.scan.catalogue
        if self._catalogue is None:
            from offramp.core.data.catalogue import load_catalogues

            self._catalogue = load_catalogues(self.catalogue_id)[0]
        return self._catalogue

    @property
    def vendor(self) -> str:
        """The vendor the pages speak of: of what the scan found when several catalogues were scanned (the
        button names the vendor whose product is there, not every vendor Offramp knows), else the catalogue's."""
        catalogue = self.catalogue
        if self.scan is not None and catalogue.parts:
            found = self.scan.findings
            ids = {p.catalogue for p in found.installed} | {x.catalogue for x in found.leftovers}
            names = [part.vendor.name for part in catalogue.parts if part.id in ids]
            if names:
                return " / ".join(dict.fromkeys(names))
        return catalogue.vendor.name

    def headline(self) -> tuple[str, dt.date]:
        """The vendor's name and the day of the catalogue's headline event, for the first page."""
        return self.vendor, self.catalogue.headline_event().date

    def headline_sentence(self) -> str:
        """The catalogue's headline sentence ("... since September 29, 2024 it receives no updates there.")."""
        return self.catalogue.headline_text()

    # --- navigation -----------------------------------------------------------------------------------
    def start_page(self) -> str:
        if not self.resume_state:
            return "welcome"
        # A run that stopped on a failure or a cancel is not simply retried: the person decides first.
        # A run interrupted mid-step (a crash, a power cut) or waiting for a restart carries on.
        return "recover" if self.stopped_step() is not None else "migrate"

    def next_page(self, current: str) -> str | None:
        if current == "found" and self.scan is not None and self.scan.findings.clean:
            return "done"
        if current == "recover":
            return "migrate" if self.continue_run else "found"
        if current in ("done", "recover"):
            return None
        return PAGES[PAGES.index(current) + 1]

    def can_leave(self, page: str) -> bool:
        if page == "welcome":
            return self.offline is None or self.bundle is not None
        if page == "found":
            return self.scan is not None
        if page == "choose":
            return self.choice is not None or self.remove_only
        if page == "rescue":
            return all(risk.id in self.acknowledged for risk in self.risks())
        if page == "migrate":
            return self.finished
        return True

    # --- the offline bundle ------------------------------------------------------------------------------
    def check_bundle(self) -> None:
        """Checks the offline bundle (see `open_offline`) and takes what the check found."""
        self.take_bundle(self.open_offline())

    def open_offline(self) -> BundleCheck:
        """Opens the offline bundle and checks every file in it against its manifest, as `migrate --offline`
        does, then reads its playbooks; changes nothing here. Hashing a large installer takes a while, so the
        wizard calls this away from its window's thread and hands the answer to `take_bundle` on it."""
        from offramp.core.data.platforms import display_name
        from offramp.core.data.replacements import load_replacement
        from offramp.core.data.validation import InvalidPlaybook
        from offramp.core.migrate.bundle import BundleError, open_bundle

        if self.offline is None:
            return BundleCheck(None, [], None)
        try:
            bundle = open_bundle(self.offline)
            if self.root is None and bundle.platform != self.platform:
                raise BundleError(
                    f"This bundle was made for {display_name(bundle.platform)}, and this computer runs "
                    f"{display_name(self.platform)}: it needs a bundle made for {display_name(self.platform)}."
                )
            return BundleCheck(bundle, [load_replacement(entry.playbook) for entry in bundle.entries], None)
        except BundleError as exc:
            return BundleCheck(None, [], str(exc))
        except InvalidPlaybook as exc:
            first = exc.problems[0] if exc.problems else exc
            return BundleCheck(None, [], f"A playbook in the bundle cannot be used ({first}). Make the bundle again.")
        except OSError as exc:
            return BundleCheck(None, [], f"The bundle cannot be read: {exc.strerror or exc}.")

    def take_bundle(self, check: BundleCheck) -> None:
        """What the bundle's check found: the bundle and its playbooks, or why it cannot be used."""
        self.bundle, self._bundled, self.bundle_problem = check

    def playbook_used(self, replacement: Replacement) -> dict[str, object]:
        """Which playbook `replacement` is (id, verified date, and whether it is shipped, a signed update or
        the offline bundle's), as the report will record it."""
        from offramp.core.migrate.report import provenance

        return provenance(replacement, self.offline)

    # --- the choice, the plan and the consent to it ---------------------------------------------------------
    def choose(self, replacement: Replacement | None) -> None:
        """The person's choice: a replacement, or None to remove only. Any change makes a new plan, and
        the consent given to the old one no longer counts."""
        self.choice = replacement
        self.remove_only = replacement is None
        self._plan = None
        self._consented = None

    def plan(self) -> Plan:
        """The steps the run will take: the saved plan when an unfinished migration reopens, else the plan
        the session makes from this scan and choice (the one `offramp migrate` would make), made once per
        choice and set of confirmed findings, so the plan shown on "Ready to remove" is the plan agreed to. A tick
        changed on Found after "Ready to remove" was shown makes a new plan, which the old consent does not
        cover (its fingerprint differs)."""
        if self.resume_state:
            return self.resume_state.read_plan()
        if self._plan is not None and self._planned_for != frozenset(self.confirmed):
            # A tick on Found changed after the plan was made (Back from "Ready to remove"): the plan follows
            # the person's word, and the consent given to the old plan no longer counts.
            self._plan = None
            self._consented = None
        if self._plan is None:
            if self.scan is None:
                raise ValueError("the migration is planned from a scan, and there is none yet")
            from offramp.core.migrate import session

            options = self.options()
            self._plan, _replacement = session.plan_from_scan(self.scan, options, session.policy_for(options))
            self._planned_for = frozenset(self.confirmed)
        return self._plan

    def helpdesk_places(self) -> list[HelpdeskPlace]:
        """Every place the helpdesk header names, in the order the person meets them: the pages before the
        removal, each step of the plan on the Migrating page, then Done; with nothing found, Found leads to
        Done."""
        places = []
        page = "welcome"
        while True:
            number, pages = page_number(page) or (0, 0)
            if page == "migrate":
                steps = self.plan().steps
                places += [
                    HelpdeskPlace(page, number, pages, step_id=step.id, step=index, steps=len(steps))
                    for index, step in enumerate(steps, 1)
                ]
            else:
                places.append(HelpdeskPlace(page, number, pages))
            following = self.next_page(page)
            if following is None:
                return places
            page = following

    def consent(self) -> None:
        """The person pressed the action button on "Ready to remove": this plan, and only it, may run."""
        self._consented = self.plan().fingerprint

    def may_start(self) -> bool:
        """True when the removal may start: the person agreed to exactly the plan that would run."""
        return (
            self._consented is not None
            and self._plan is not None
            and self._consented == self._plan.fingerprint
            and self._planned_for == frozenset(self.confirmed)
        )

    def action(self) -> str:
        """The action button's words, naming what it does: the vendor and the replacement come from the data."""
        plan = self.plan()
        removes = any(s.kind == "uninstall" for s in plan.steps)
        vendor = self.vendor
        if self.choice is None:
            return (
                Text("Remove {vendor}", vendor=vendor)
                if removes
                else Text("Clean up what {vendor} left behind", vendor=vendor)
            )
        name = self.choice.name
        if self._builtin(plan):
            if removes:
                return Text("Remove {vendor} and switch on {name}", vendor=vendor, name=name)
            return Text("Clean up {vendor} and switch on {name}", vendor=vendor, name=name)
        if removes:
            return Text("Remove {vendor} and install {name}", vendor=vendor, name=name)
        return Text("Clean up {vendor} and install {name}", vendor=vendor, name=name)

    @staticmethod
    def _builtin(plan: Plan) -> bool:
        return any(s.kind == "install" and s.params.get("method") == "builtin" for s in plan.steps)

    def ready(self) -> Ready:
        plan = self.plan()
        risks = {r.id: r.title for r in self.risks()}
        assert self.scan is not None
        by_id = {p.product_id: p for p in self.scan.findings.installed}
        removed = []
        for step in plan.steps:
            if step.kind == "uninstall":
                product = by_id.get(step.params["product_id"])
                at_risk = [risks[r] for r in (product.data_at_risk if product else ()) if r in risks]
                removed.append((step.params.get("label") or step.title, at_risk))
        install = next((s for s in plan.steps if s.kind == "install"), None)
        irreversible: list[str] = []
        if removed:
            irreversible.append(
                Text(
                    "Removing {vendor} cannot be undone: to have it back you would need its installer and licence.",
                    vendor=self.vendor,
                )
            )
        if self.risks():
            irreversible.append(Text("What you did not save from it is gone once it is removed."))
        cleanup_step = next((s for s in plan.steps if s.kind == "cleanup"), None)
        cleanup = cleanup_step is not None
        if cleanup and self.clear_leftovers:
            irreversible.append(
                Text(
                    "What {vendor} leaves behind is deleted: its own folders, services and settings.",
                    vendor=self.vendor,
                )
            )
        reboot = next((s.params.get("when", "required") for s in plan.steps if s.kind == "reboot"), "none")
        return Ready(
            removed=removed,
            # The plan's, not the scan's: a probable leftover nobody ticked is left alone, so it is not counted.
            leftovers=len(cleanup_step.params.get("leftovers", ())) if cleanup_step else 0,
            cleanup=cleanup,
            installed=self.choice.name if self.choice else None,
            guided=bool(install and install.needs_person),
            builtin=self._builtin(plan),
            irreversible=irreversible,
            restart=reboot,
            action=self.action(),
        )

    # --- after a run stopped -----------------------------------------------------------------------------------
    def stopped_step(self) -> tuple[int, str, str] | None:
        """(number, title, message) of the step a saved run stopped at on a failure or cancel, else None."""
        state = self.resume_state
        if state is None:
            return None
        for number, step in enumerate(state.read_plan().steps, 1):
            record = state.steps.get(step.id)
            if record is not None and record.status in STOPPED:
                return number, step.title, record.message or ""
        return None

    def start_over(self) -> None:
        """Sets the saved, stopped run aside (its record is kept) so a new plan can be made and run."""
        from offramp.core.migrate import records, session

        if records.state_path().exists():
            session.abandon()  # journaled; the state is kept aside, a registered resume unregistered
        elif self.worker_unfinished:
            # Root's record: only the worker may set it aside, and does so once the new plan is agreed to.
            self.replace_unfinished = True
        self.resume_state = None
        self.finished = False
        self.exit_code = None
        self._plan = None
        self._consented = None

    # --- what pages show ----------------------------------------------------------------------------------
    def unavailable(self, replacement: Replacement) -> str | None:
        """Why this replacement cannot be installed on this target, in words, or None when it can."""
        platform = self.scan.findings.platform if self.scan else self.platform
        methods = replacement.install.get(platform, ())
        if not methods:
            return _("{name} has no way to install on this system.", name=replacement.name)
        if self.root and methods[0].method == "package":
            return _(
                "It installs from the system's package repositories, which Offramp cannot reach for a system "
                "mounted from another computer."
            )
        return None

    def replacements(self) -> list[Replacement]:
        """What the Choose page offers: the offline bundle's playbooks and nothing else when there is one,
        else the shipped ones as signed updates left them, and those of `extra_playbooks`."""
        from offramp.core.data.replacements import current_replacements, load_replacements

        if self.offline is not None:
            if self.bundle is None and self.bundle_problem is None:
                self.check_bundle()  # a relaunch that started over never showed the first page, which checks it
            found = list(self._bundled)
        else:
            found = current_replacements()
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
        options = [r for r in self.replacements() if self.unavailable(r) is None]
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

    def reboot_expected(self) -> str:
        """Whether removing what was found restarts the computer: "required", "maybe" (the uninstaller may ask
        for it) or "none", as the products' removals say."""
        found = {p.reboot for p in self.scan.findings.installed} if self.scan is not None else set()
        return next((when for when in ("required", "maybe") if when in found), "none")

    def options(self) -> Options:
        from offramp.core.migrate.context import Options

        return Options(
            silent=False,
            root=self.root,
            replacement_ref=str(self.choice.path) if self.choice else None,
            allow_loopback_http=self.allow_loopback_http,
            offline_dir=str(self.offline) if self.offline else None,
            remove_only=self.choice is None,
            confirmed=tuple(sorted(self.confirmed)),
            leftovers="remove" if self.clear_leftovers else "keep",
        )

    def ways_on(self) -> list[str]:
        """What the person can do after a failed run: another replacement, remove only, start over. The
        helpdesk (with the support code) is always offered beside these."""
        if self.exit_code in (None, 0) or self.scan is None:
            return ["start-over"] if self.exit_code not in (None, 0) else []
        ways = []
        if any(self.unavailable(r) is None and r != self.choice for r in self.replacements()):
            ways.append("another")
        if self.choice is not None:
            ways.append("remove-only")
        ways.append("start-over")
        return ways

    def resumed_statuses(self) -> dict[str, str]:
        """Each step's status as the unfinished migration left it (empty for a new one)."""
        return self.resume_state.statuses() if self.resume_state else {}
