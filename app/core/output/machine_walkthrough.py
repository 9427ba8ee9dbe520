"""One computer's phone walkthrough: what its scan found and the plan the wizard makes for it, page by page.

`offramp walkthrough --from-scan` scans, plans as the wizard plans (offramp.core.wizard_flow.WizardModel) and
hands the wizard's places here: each page before the removal, each step of the plan on the Migrating page, and
Done, each headed by the line the wizard's helpdesk header shows there ("Page 7 of 8  ·  Step 3 of 9  ·
Support code …"). So the helpdesk reads the numbers the user sees, not a generic script's. The steps are told
by the same writer as the generic walkthrough (offramp.core.output.walkthrough), and every sentence is in
playbooks/walkthrough/walkthrough.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from offramp.core import i18n
from offramp.core.data import platforms
from offramp.core.i18n import shown
from offramp.core.output.walkthrough import (
    Problem,
    Script,
    Section,
    StepWriter,
    join_list,
    price_words,
    say,
    step_sections,
)

if TYPE_CHECKING:
    from offramp.core.data.catalogue import DataAtRisk
    from offramp.core.data.replacements import Replacement
    from offramp.core.migrate.plan import Plan
    from offramp.core.scan.run import ScanResult

HEADER_SEPARATOR = "  ·  "  # as the wizard joins its header's parts (app/gui/pages/base.py)


class Place(Protocol):
    """One place the wizard's helpdesk header names (offramp.core.wizard_flow.HelpdeskPlace)."""

    @property
    def page(self) -> str: ...
    @property
    def number(self) -> int: ...
    @property
    def pages(self) -> int: ...
    @property
    def step_id(self) -> str | None: ...
    @property
    def step(self) -> int | None: ...
    @property
    def steps(self) -> int | None: ...


def header(place: Place, support_code: str | None) -> str:
    """The header's words at `place`, as the wizard shows them; without a code when none is recorded yet."""
    parts = [say("header_page", number=place.number, total=place.pages)]
    if place.step is not None:
        parts.append(say("header_step", number=place.step, total=place.steps))
    if support_code:
        parts.append(say("header_code", code=support_code))
    return HEADER_SEPARATOR.join(parts)


def nothing_found(scan: ScanResult) -> str:
    """What to say when the scan found nothing: there is no walkthrough to give."""
    vendor = i18n.join_or([c.vendor.name for c in scan.scanned])
    return say("machine_nothing_found", vendor=vendor, source=scan.source.detail)


class _Pages:
    """The sections for the wizard's pages around the migration's steps; holds what they look up."""

    def __init__(
        self,
        scan: ScanResult,
        plan: Plan,
        replacement: Replacement | None,
        *,
        vendor: str,
        action: str,
        risks: Sequence[DataAtRisk],
    ):
        self.scan, self.plan, self.replacement = scan, plan, replacement
        self.vendor, self.action, self.risks = vendor, action, risks

    def section(self, place: Place, code: str | None) -> Section:
        say_text, check, problems = getattr(self, place.page)()
        title = say(f"page_{place.page}_title")
        return Section(
            number=place.number,
            total=place.pages,
            step_id=place.page,
            kind="page",
            title=title,
            say=say_text,
            check=check,
            problems=tuple(problems),
            where=header(place, code),
            heading=say("page_heading", number=place.number, total=place.pages, title=title),
        )

    def welcome(self) -> tuple[str, str, list[Problem]]:
        return say("page_welcome_say"), say("page_welcome_check"), []

    def found(self) -> tuple[str, str, list[Problem]]:
        f = self.scan.findings
        if f.installed:
            names = []
            for p in f.installed:
                label = p.edition if p.edition and p.edition != p.name else p.name
                names.append(label + (f" {p.version}" if p.version else ""))
            text = say("page_found_say", found=join_list(names, "list_and"))
        else:
            text = say("page_found_leftovers", n=len(f.leftovers), vendor=self.vendor)
        probable = [item for item in self.plan.found if item["certainty"] != "certain"]
        if probable:
            items = [str(item["name"]) for item in probable]
            ticked = [str(item["name"]) for item in probable if item["removed"]]
            text = " ".join(
                [
                    text,
                    say("page_found_probable", n=len(items), items=join_list(items, "list_and"), vendor=self.vendor),
                    say("page_found_ticked", items=join_list(ticked, "list_and"))
                    if ticked
                    else say("page_found_unticked", n=len(items)),
                ]
            )
        return text, say("page_found_check"), []

    def why(self) -> tuple[str, str, list[Problem]]:
        return say("page_why_say", vendor=self.vendor), say("page_why_check"), []

    def choose(self) -> tuple[str, str, list[Problem]]:
        if self.replacement is None:
            text = say("page_choose_remove_only", vendor=self.vendor)
        else:
            text = say("page_choose_say", replacement=self.replacement.name)
            if self.replacement.price != "free":
                text += " " + say(
                    "install_price", replacement=self.replacement.name, price=price_words(self.replacement)
                )
        return text, say("page_choose_check"), []

    def rescue(self) -> tuple[str, str, list[Problem]]:
        titles = [shown(risk.title) for risk in self.risks]
        text = (
            say("page_rescue_say", n=len(titles), items=join_list(titles, "list_and"))
            if titles
            else say("page_rescue_nothing")
        )
        return text, say("page_rescue_check"), []

    def confirm(self) -> tuple[str, str, list[Problem]]:
        problems = [Problem(say("page_confirm_back_when"), say("page_confirm_back_then"))]
        return say("page_confirm_say", action=self.action), say("page_confirm_check"), problems

    def done(self) -> tuple[str, str, list[Problem]]:
        return say("page_done_say"), say("page_done_check"), []


def machine_script(
    scan: ScanResult,
    plan: Plan,
    replacement: Replacement | None,
    places: Sequence[Place],
    *,
    vendor: str,
    action: str,
    risks: Sequence[DataAtRisk],
    support_code: str | None,
) -> Script:
    """The walkthrough for the machine `scan` looked at, following `plan` (the wizard's, for `replacement` or for
    removing only) through `places` (the wizard's, in order). `vendor`, `action` (the "Ready to remove" button's
    words) and `risks` (what the rescue page lists) are the wizard's too."""
    platform = plan.platform
    catalogue = scan.catalogue
    removed = [str(s.params["product_id"]) for s in plan.steps if s.kind == "uninstall"]
    products = [catalogue.product(product_id) for product_id in removed]
    writer = StepWriter(replacement, platform, catalogue, plan, products, on_screen=True)
    steps = {section.step_id: section for section in step_sections(writer)}
    pages = _Pages(scan, plan, replacement, vendor=vendor, action=action, risks=risks)
    sections = []
    for place in places:
        if place.step_id is None:
            sections.append(pages.section(place, support_code))
            continue
        step = steps[place.step_id]
        # On this machine every product is there: only the restart still depends on what the uninstallers say.
        only_if = step.only_if if step.kind == "reboot" else None
        sections.append(
            Section(
                number=place.step or step.number,
                total=place.steps or step.total,
                step_id=step.step_id,
                kind=step.kind,
                title=step.title,
                say=step.say,
                check=step.check,
                problems=step.problems,
                only_if=only_if,
                warning=step.warning,
                where=header(place, support_code),
            )
        )
    os_name = platforms.display_name(platform)
    source = scan.source.detail
    if replacement is None:
        title = say("machine_title_remove_only", vendor=vendor, os=os_name)
        footer = say("machine_footer_remove_only", source=source)
    else:
        title = say("machine_title", replacement=replacement.name, os=os_name)
        footer = say(
            "machine_footer",
            source=source,
            playbook=replacement.id,
            date=i18n.format_date(replacement.verified_on),
        )
    restart = any(s.kind == "reboot" for s in plan.steps)
    notes = [
        say(
            "machine_intro_scan",
            source=source,
            date=i18n.format_date(scan.findings.scanned_at.date()),
            fingerprint=plan.fingerprint,
        ),
        say("machine_intro_places"),
        say("machine_intro_code", code=support_code) if support_code else say("machine_intro_no_code"),
        say("machine_intro_steps", n=len(plan.steps)),
    ]
    if replacement is not None:
        notes.append(say("intro_nothing_removed", replacement=replacement.name))
    else:
        notes.append(say("machine_intro_nothing_removed"))
    notes.append(say("intro_before_restart" if restart else "intro_before"))
    return Script(title=title, notes=notes, sections=sections, footer=footer)
