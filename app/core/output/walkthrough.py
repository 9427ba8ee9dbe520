"""The helpdesk's phone script: how to walk a person through Offramp's migration to one replacement on one OS.

Each section stands for one step of the migration and says what to tell the person ("Say"), what they
should see on screen ("Check") and what to do when the usual things go wrong ("If …").

The script is made by the planner itself: it plans a migration for a machine that carries every
product the catalogue lists for that OS (the ones a scan can report as installed on a workstation),
with the default policy, and describes each planned step. So the sections come in exactly the order
offramp.core.migrate.plan.make_plan puts them (preflight, data rescue, staging, removal in catalogue order, restart,
clean-up, install, verify, rescan, report), and every name, address, password prompt and fallback comes
from the catalogue and the playbook, never from this file. A real machine carries fewer products, so
Offramp shows fewer steps: the script says so and the helpdesk follows the titles.

The words are data: playbooks/walkthrough/walkthrough.yaml holds every sentence, in English, and the
translations of each are in the one catalogue (app/core/i18n.py). This module only chooses which sentences a
step needs and fills in their names.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from offramp.core import i18n, paths
from offramp.core.data import platforms
from offramp.core.data.catalogue import Catalogue, Product, RemovalMethod
from offramp.core.data.policy import Policy
from offramp.core.data.replacements import InstallMethod, Replacement, find_replacement
from offramp.core.i18n import _, shown
from offramp.core.migrate.plan import Plan, Step, make_plan
from offramp.core.migrate.secrets import LABELS, needed_for
from offramp.core.output.page import document, html, join
from offramp.core.scan.findings import Findings, InstalledProduct

# Servers and the vendor's portable tools are not what a person at home or at an office desk has:
# a phone walkthrough for them would bury the common path under steps nobody will see.
SKIPPED_FAMILIES = ("server", "tool")
TEXT_WIDTH = 96

_texts: dict[str, Any] | None = None


class WalkthroughError(ValueError):
    """The walkthrough cannot be made: unknown OS, a test-only playbook, or a playbook without this OS."""


def texts_path() -> Path:
    return paths.playbooks_dir() / "walkthrough" / "walkthrough.yaml"


def texts() -> dict[str, Any]:
    """The script's sentences in English, by name: a text, or {one, other} for a count."""
    global _texts
    if _texts is None:
        from offramp.core.data.yamlstrict import load

        _texts = dict(load(texts_path(), trusted=True).data["texts"])
    return _texts


def say(key: str, /, n: int | None = None, **fields: Any) -> str:
    """The sentence named `key` in the reader's language, its {fields} filled (and {n}, for a count)."""
    text = texts()[key]
    if isinstance(text, dict):
        assert n is not None, key
        return i18n.ngettext(text["one"], text["other"], n, **fields)
    return _(text, **fields)


@dataclass(frozen=True)
class Problem:
    when: str  # the situation, without "If": rendered as "If <when>: <then>"
    then: str


@dataclass(frozen=True)
class Section:
    number: int
    total: int
    step_id: str  # the plan step it describes
    kind: str
    title: str  # the step's title as Offramp shows it
    say: str
    check: str
    problems: tuple[Problem, ...] = ()
    only_if: str | None = None  # the step appears only on some machines
    warning: str | None = None  # must be said, not just read
    where: str | None = None  # the wizard's helpdesk header at this place, word for word ("Page 7 of 8  ·  …")
    heading: str | None = None  # instead of "Step N of M: title" (a page of the wizard, not a step)


@dataclass(frozen=True)
class Script:
    """A whole walkthrough, ready to render: its title, the notes before the first section, the sections and the
    printed page's footer."""

    title: str
    notes: list[str]
    sections: list[Section]
    footer: str


@dataclass
class _Parts:
    """What a writer method says about one step; `walkthrough` adds the number and the title."""

    say: str
    check: str
    problems: list[Problem] = field(default_factory=list)
    only_if: str | None = None
    warning: str | None = None


def normalise_platform(platform: str) -> str:
    try:
        return platforms.from_typed(platform)
    except KeyError:
        raise WalkthroughError(
            _("unknown system {system}: choose windows, macos or linux", system=repr(platform))
        ) from None


def _resolve(replacement: Replacement | str, include_test_only: bool) -> Replacement:
    if isinstance(replacement, str):
        try:
            replacement = find_replacement(replacement, include_test_only=True)
        except KeyError:
            raise WalkthroughError(
                _("unknown playbook {playbook}: see 'offramp playbooks list'", playbook=repr(replacement))
            ) from None
    if replacement.test_only and not include_test_only:
        raise WalkthroughError(
            _("{playbook} is a test playbook, not something to walk a person through", playbook=replacement.id)
        )
    return replacement


def _can_be_installed(product: Product, platform: str) -> bool:
    """Whether a scan can report the product as installed on this OS (and so the planner can remove it)."""
    return any(rule.get("proves") == "installed" for rule in product.detect.get(platform, []))


def products_for(catalogue: Catalogue, platform: str) -> list[Product]:
    """The catalogue's products a workstation on this OS may carry, in the order the scan reports them."""
    found = [
        p
        for p in catalogue.products
        if platform in p.platforms
        and platform in p.removal
        and p.family not in SKIPPED_FAMILIES
        and _can_be_installed(p, platform)
    ]
    # The classifier's order (removal order, then id), which is the order make_plan keeps.
    return sorted(found, key=lambda p: (p.removal[platform].order, p.id))


def _stand_in(product: Product, platform: str) -> InstalledProduct:
    """What a scan would report for the product, with the identifiers its removal methods need."""
    removal = product.removal[platform]
    msi = any(m.kind == "msi" for m in removal.methods)
    packages = [name for m in removal.methods if m.kind == "package" for name in m.packages]
    return InstalledProduct(
        product_id=product.id,
        name=product.name,
        family=product.family,
        edition=None,
        version=None,
        install_location=None,
        removal_order=removal.order,
        removal_methods=[m.kind for m in removal.methods],
        reboot=removal.reboot,
        running=True,
        protecting=None,
        definitions_date=None,
        definitions_age_days=None,
        protects=product.protects,
        # A found MSI always has its ProductCode; the planner picks the silent msiexec route only with one.
        product_codes=["{ProductCode}"] if msi else [],
        packages=list(dict.fromkeys(packages)),
        data_at_risk=list(product.data_at_risk),
    )


def _plan(replacement: Replacement, platform: str, catalogue: Catalogue) -> tuple[Plan, list[Product]]:
    products = products_for(catalogue, platform)
    findings = Findings.empty(platform, dt.datetime.now(dt.UTC), installed=[_stand_in(p, platform) for p in products])
    return make_plan(findings, catalogue, replacement, Policy()), products


def join_list(names: list[str], conjunction: str = "list_or") -> str:
    if len(names) <= 1:
        return "".join(names)
    return say(conjunction, items=say("list_separator").join(names[:-1]), last=names[-1])


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?:" else text + "."


def _sentences(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def price_words(replacement: Replacement) -> str:
    return say(f"price_{replacement.price}")


class StepWriter:
    """Turns each plan step into a section; holds what every section may need to look up."""

    def __init__(
        self,
        replacement: Replacement | None,
        platform: str,
        catalogue: Catalogue,
        plan: Plan,
        products: list[Product],
        *,
        on_screen: bool = False,
    ):
        self._replacement = replacement
        self.platform = platform
        self.os = platforms.display_name(platform)
        self.catalogue = catalogue
        self.plan = plan
        self.products = products
        # The pages before the migration are sections of their own: the first step need not retell them.
        self.on_screen = on_screen
        methods = replacement.install.get(platform, ()) if replacement else ()
        self.method: InstallMethod | None = methods[0] if methods else None
        self.other_methods = methods[1:]

    @property
    def r(self) -> Replacement:
        # Only the steps of a plan with a replacement (stage, install, verify) read it; a removal alone has none.
        assert self._replacement is not None, "a plan without a replacement has no step that names one"
        return self._replacement

    # --- things several sections use -----------------------------------------------------------
    def _on_platform(self) -> list[Product]:
        return [p for p in self.catalogue.products if self.platform in p.removal]

    def _removal_tool(self) -> tuple[str, str | None] | None:
        """The vendor's own removal tool for this OS: (name, download address), from the catalogue."""
        url = next(
            (
                m.url
                for p in sorted(self._on_platform(), key=lambda p: p.removal[self.platform].order)
                for m in p.removal[self.platform].methods
                if m.kind == "vendor-tool" and m.url
            ),
            None,
        )
        tool = next((p for p in self.catalogue.products if p.family == "tool" and self.platform in p.platforms), None)
        if url is None and tool is None:
            return None
        return (tool.name if tool else say("removal_tool", vendor=self.catalogue.vendor.name)), url

    def _password_reset(self) -> list[str]:
        """The catalogue's instructions for a forgotten uninstall or settings password on this OS."""
        # The catalogue has no field for "what to do when the password is forgotten"; its removal
        # instructions say it in words, so they are found by what they talk about rather than by
        # naming a product or tool here (a catalogue for another vendor then brings its own). They are
        # found in the catalogue's own English and shown in the reader's language.
        found: list[str] = []
        for product in self._on_platform():
            for method in product.removal[self.platform].methods:
                text = (method.instructions or "").lower()
                if method.instructions and "password" in text and "forgot" in text and method.instructions not in found:
                    found.append(method.instructions)
        return [shown(text) for text in found]

    def _admin_rights(self) -> str:
        return say(f"admin_rights_{self.platform}")

    def _retry_later(self) -> Problem | None:
        if self.platform != "windows":
            return None
        return Problem(say("retry_later_when"), say("retry_later_then"))

    # --- one method per step kind, in plan order -----------------------------------------------
    def preflight(self, step: Step) -> _Parts:
        needs_download = bool(step.params.get("needs_download"))
        stage = next((s for s in self.plan.steps if s.kind == "stage"), None)
        host = urlsplit(str(stage.params.get("url", ""))).hostname if stage else None
        problems = [
            Problem(say("preflight_admin_when"), self._admin_rights()),
            Problem(say("preflight_disk_when"), say("preflight_disk_then")),
        ]
        if needs_download:
            problems.append(
                Problem(
                    say("preflight_reach_host_when", host=host) if host else say("preflight_reach_when"),
                    say("preflight_reach_then"),
                )
            )
        if self.platform == "windows":
            problems.append(Problem(say("preflight_pending_when"), say("preflight_pending_then")))
        if self.on_screen:
            text = say("preflight_ready_say_download" if needs_download else "preflight_ready_say")
        else:
            text = say("preflight_say_download" if needs_download else "preflight_say", replacement=self.r.name)
        return _Parts(
            say=text,
            check=say("preflight_check", title=step.title),
            problems=problems,
        )

    def rescue(self, step: Step) -> _Parts:
        risk = self.catalogue.risk(str(step.params["risk_id"]))
        owners = [p.name for p in self.products if risk.id in p.data_at_risk]
        return _Parts(
            say=say("rescue_say", risk=_sentence(shown(risk.risk)), action=_sentence(shown(risk.action))),
            check=say("rescue_check", title=risk.title),
            warning=shown(risk.warning) if risk.warning else None,
            only_if=say("only_when_found", products=join_list(owners)) if owners else None,
            problems=[Problem(say("rescue_later_when"), say("rescue_later_then"))],
        )

    def stage(self, step: Step) -> _Parts:
        method = str(step.params.get("method"))
        size = int(step.params.get("size") or 0)
        name = self.r.name
        if method == "download" and size:
            text = say("stage_download_size", replacement=name, size=max(1, size // 2**20))
        elif method in ("builtin", "download", "winget", "package"):
            text = say(f"stage_{method}", replacement=name, os=self.os)
        else:
            text = shown(step.detail)
        problems = []
        if method != "builtin":
            problems.append(Problem(say("stage_failed_when", replacement=name), say("stage_failed_then")))
        if method == "download":
            problems.append(Problem(say("stage_mismatch_when"), say("stage_mismatch_then")))
        check = say("stage_check_download" if method == "download" else "goes_on", title=step.title)
        return _Parts(say=text, check=check, problems=problems)

    def uninstall(self, step: Step) -> _Parts:
        product = self.catalogue.product(str(step.params["product_id"]))
        removal = product.removal[self.platform]
        kinds = [m.kind for m in removal.methods]
        chosen_kind = str(step.params.get("method"))
        chosen: RemovalMethod | None = removal.methods[kinds.index(chosen_kind)] if chosen_kind in kinds else None
        fallbacks = list(removal.methods[kinds.index(chosen_kind) + 1 :]) if chosen_kind in kinds else []
        restart = (step.params.get("reboot") or removal.reboot) in ("required", "maybe")
        problems: list[Problem] = []

        if step.needs_person:
            text = _sentences(
                say("uninstall_person_say", detail=_sentence(shown(step.detail))),
                say("uninstall_details", instructions=_sentence(shown(chosen.instructions)))
                if chosen and chosen.instructions
                else "",
                say("uninstall_tool_from", url=chosen.url) if chosen and chosen.url else "",
                say("uninstall_script", path=chosen.path) if chosen and chosen.path else "",
            )
            check = say("uninstall_person_check", title=step.title)
        else:
            text = _sentences(
                say("uninstall_auto_say", product=product.name), say("uninstall_may_restart") if restart else ""
            )
            check = say("uninstall_auto_check", title=step.title)

        secrets = needed_for([step.params])
        if secrets:
            labels = [shown(LABELS[key]) for key in sorted(secrets)]
            problems.append(
                Problem(
                    say("uninstall_password_when", labels=join_list(labels, "list_and_the")),
                    say("uninstall_password_then", product=product.name),
                )
            )
            remedy = [say("uninstall_password_known")]
            # The vendor's own words on blocked removals (its usual account name, its reset tool).
            help_text = self.catalogue.part_of(product.id).vendor.blocked_removal_help
            if help_text:
                remedy.append(_sentence(shown(help_text)))
            remedy += [_sentence(text) for text in self._password_reset()]
            tool = self._removal_tool()
            if tool:
                remedy.append(
                    say("uninstall_tool_url", tool=tool[0], url=tool[1])
                    if tool[1]
                    else say("uninstall_tool", tool=tool[0])
                )
            problems.append(Problem(say("uninstall_blocked_when"), " ".join(remedy)))
        if fallbacks:
            ways = []
            for number, method in enumerate(fallbacks, 1):
                way = _sentence(shown(method.instructions) if method.instructions else method.kind)
                if method.url:
                    way += f" ({method.url})"
                ways.append(f"({number}) {way}" if len(fallbacks) > 1 else way)
            problems.append(
                Problem(say("uninstall_fallback_when"), say("uninstall_fallback_then", ways=" ".join(ways)))
            )
        if not step.needs_person:
            retry = self._retry_later()
            if retry:
                problems.append(retry)
            problems.append(Problem(say("uninstall_hangs_when"), say("uninstall_hangs_then")))
        return _Parts(say=text, check=check, problems=problems, only_if=say("only_when_found", products=product.name))

    def reboot(self, step: Step) -> _Parts:
        uninstalls = [s for s in self.plan.steps if s.kind == "uninstall"]
        always = [
            self.catalogue.product(str(s.params["product_id"])).name
            for s in uninstalls
            if s.params.get("reboot") == "required"
        ]
        only_if = say("reboot_only_always", products=join_list(always)) if always else say("reboot_only")
        return _Parts(
            say=say("reboot_say", detail=_sentence(shown(step.detail))),
            check=say("reboot_check"),
            only_if=only_if,
            problems=[
                Problem(say("reboot_later_when"), say("reboot_later_then")),
                Problem(say("reboot_not_back_when"), say("reboot_not_back_then")),
            ],
        )

    def cleanup(self, step: Step) -> _Parts:
        tool = self._removal_tool()
        then = say("cleanup_failed_then")
        if tool:
            then = _sentences(
                then,
                say("cleanup_tool_url", tool=tool[0], url=tool[1]) if tool[1] else say("cleanup_tool", tool=tool[0]),
            )
        return _Parts(
            say=say("cleanup_say"),
            check=say("cleanup_check", title=step.title),
            problems=[Problem(say("cleanup_failed_when"), then)],
        )

    def install(self, step: Step) -> _Parts:
        method = self.method
        assert method is not None  # the planner makes an install step only from a method
        url = method.details.get("url")
        name = self.r.name
        problems: list[Problem] = []
        alternatives = [m.details["url"] for m in self.other_methods if m.details.get("url")]
        if not step.needs_person:
            known = method.method in ("builtin", "winget", "package", "download")
            text = say(f"install_{method.method}" if known else "install_automatic", replacement=name, os=self.os)
            check = say("goes_on", title=step.title)
            if method.method != "builtin":
                retry = self._retry_later()
                if retry:
                    problems.append(retry)
                problems.append(
                    Problem(
                        say("install_failed_when", replacement=name),
                        say("install_failed_then_url", url=alternatives[0])
                        if alternatives
                        else say("install_failed_then"),
                    )
                )
        else:
            text = _sentences(
                say("install_page_say", vendor=self.r.vendor, url=url, replacement=name)
                if url
                else say("install_person_say", replacement=name),
                say("install_price", replacement=name, price=price_words(self.r)) if self.r.price != "free" else "",
                _sentence(shown(method.notes)) if method.notes else "",
            )
            check = _sentences(
                say("install_browser_opens", url=url) if url else "", say("install_waits", replacement=name)
            )
            if url:
                problems.append(Problem(say("install_page_when"), say("install_page_then", url=url)))
            problems.append(Problem(say("install_not_seen_when", replacement=name), say("install_not_seen_then")))
        return _Parts(say=text, check=check, problems=problems)

    def verify(self, step: Step) -> _Parts:
        checks = self.r.verify.get(self.platform, {})
        name = self.r.name
        more = ""
        if checks.get("security_center"):
            more = say("verify_security_center", names=join_list([str(n) for n in checks["security_center"]]))
        elif checks.get("services"):
            services = [str(s) for s in checks["services"]]
            more = (
                say("verify_service", service=services[0])
                if len(services) == 1
                else say("verify_services", services=join_list(services, "list_and"))
            )
        return _Parts(
            say=say("verify_say", replacement=name),
            check=_sentences(say("verify_check", replacement=name), more),
            problems=[Problem(say("verify_off_when", replacement=name), say("verify_off_then", replacement=name))],
        )

    def rescan(self, step: Step) -> _Parts:
        return _Parts(
            say=say("rescan_say"),
            check=say("rescan_check"),
            problems=[Problem(say("rescan_found_when"), say("rescan_found_then"))],
        )

    def report(self, step: Step) -> _Parts:
        return _Parts(
            say=say("report_say"),
            check=say("report_check"),
            problems=[Problem(say("report_whole_when"), say("report_whole_then"))],
        )


def walkthrough(
    replacement: Replacement | str, platform: str, catalogue: Catalogue, *, include_test_only: bool = False
) -> list[Section]:
    """The numbered sections for migrating to `replacement` (a playbook or its id) on `platform`, in the
    current language (offramp.core.i18n)."""
    platform = normalise_platform(platform)
    replacement = _resolve(replacement, include_test_only)
    if platform not in replacement.platforms:
        offered = join_list([platforms.display_name(p) for p in replacement.platforms])
        raise WalkthroughError(
            _(
                "{replacement} is not available for {os} (only for {offered}): "
                "see 'offramp playbooks list --platform {system}'",
                replacement=replacement.name,
                os=platforms.display_name(platform),
                offered=offered,
                system=platforms.typed_name(platform),
            )
        )
    plan, products = _plan(replacement, platform, catalogue)
    return step_sections(StepWriter(replacement, platform, catalogue, plan, products))


def step_sections(writer: StepWriter) -> list[Section]:
    """A section for each step of the writer's plan, numbered as the runner numbers them."""
    total = len(writer.plan.steps)
    sections = []
    for number, step in enumerate(writer.plan.steps, 1):
        parts: _Parts = getattr(writer, step.kind)(step)
        sections.append(
            Section(
                number=number,
                total=total,
                step_id=step.id,
                kind=step.kind,
                title=shown(step.title),
                say=parts.say,
                check=parts.check,
                problems=tuple(parts.problems),
                only_if=parts.only_if,
                warning=parts.warning,
            )
        )
    return sections


def _introduction(replacement: Replacement, platform: str, sections: list[Section]) -> tuple[str, list[str]]:
    os_name = platforms.display_name(platform)
    title = say("title", replacement=replacement.name, os=os_name)
    restart = any(s.kind == "reboot" for s in sections)
    notes = [
        say("intro_steps", n=len(sections)),
        _sentence(shown(replacement.summary)),
        say("intro_nothing_removed", replacement=replacement.name),
        say("intro_before_restart" if restart else "intro_before"),
    ]
    if replacement.price != "free":
        notes.append(
            say("intro_price", replacement=replacement.name, price=price_words(replacement), vendor=replacement.vendor)
        )
    return title, notes


def script(
    replacement: Replacement | str, platform: str, catalogue: Catalogue, *, include_test_only: bool = False
) -> Script:
    """The walkthrough for any machine on `platform` that carries the catalogue's products, ready to render."""
    sections = walkthrough(replacement, platform, catalogue, include_test_only=include_test_only)
    replacement, platform = _resolve(replacement, include_test_only), normalise_platform(platform)
    title, notes = _introduction(replacement, platform, sections)
    footer = say("footer", playbook=replacement.id, date=i18n.format_date(replacement.verified_on))
    return Script(title=title, notes=notes, sections=sections, footer=footer)


def _heading(section: Section) -> str:
    return section.heading or say("step_heading", number=section.number, total=section.total, title=section.title)


def render_walkthrough_text(
    replacement: Replacement | str, platform: str, catalogue: Catalogue, *, include_test_only: bool = False
) -> str:
    """The walkthrough as plain text, wrapped for a terminal or a ticket."""
    return render_text(script(replacement, platform, catalogue, include_test_only=include_test_only))


def render_text(walk: Script) -> str:
    """A walkthrough as plain text, wrapped for a terminal or a ticket."""
    title, notes, sections = walk.title, walk.notes, walk.sections
    # The labels are padded to one width, so what follows them starts in one column.
    labels = ["label_say", "label_check"] + (["label_where"] if any(s.where for s in sections) else [])
    width = max(len(say(label)) for label in labels) + 1
    label_say, label_check = say("label_say").ljust(width), say("label_check").ljust(width)
    label_where = say("label_where").ljust(width) if "label_where" in labels else ""
    label_warning = say("label_warning_text") + " "

    def para(label: str, text: str, indent: str = "   ") -> list[str]:
        # No breaks at hyphens or inside long words: package names, file names and addresses must stay whole.
        return textwrap.wrap(
            text,
            TEXT_WIDTH,
            initial_indent=indent + label,
            subsequent_indent=indent + "    ",
            break_on_hyphens=False,
            break_long_words=False,
        )

    out = [title, "=" * len(title), ""]
    for note in notes:
        out += textwrap.wrap(
            note,
            TEXT_WIDTH,
            initial_indent="* ",
            subsequent_indent="  ",
            break_on_hyphens=False,
            break_long_words=False,
        )
    for section in sections:
        heading = _heading(section)
        out += ["", heading, "-" * min(len(heading), TEXT_WIDTH)]
        if section.where:
            out += para(label_where, section.where)
        if section.only_if:
            out += para("", f"({section.only_if})")
        out += para(label_say, section.say)
        if section.warning:
            out += para(label_warning, section.warning)
        out += para(label_check, section.check)
        for problem in section.problems:
            out += para("", f"{say('label_if', when=problem.when)} {problem.then}")
    return "\n".join(out) + "\n"


# On top of the shared rules (app/core/output/page.py).
WALKTHROUGH_CSS = """
h1 { font-size: 18pt; margin-bottom: 6px; }
h2 { margin-top: 20px; margin-bottom: 4px; }
.only { font-style: italic; color: #3d3d3d; font-size: 10pt; }
table.notes { border-collapse: collapse; margin-bottom: 6px; }
table.notes td { padding: 8px 10px; border: 1px solid #9fb3c8; background-color: #eef2f6; }
table.step { border-collapse: collapse; width: 100%; }
table.step td { border: 1px solid #c4ced8; padding: 5px 7px; vertical-align: top; }
table.step td.label { font-weight: bold; color: #0b3d66; background-color: #f4f7fa; white-space: nowrap; }
table.step td.if { font-size: 10.5pt; }
table.step td.warn { font-weight: bold; color: #6b4000; background-color: #fff4e0; border: 2px solid #8a5300; }
table.step td.warnlabel { font-weight: bold; color: #6b4000; background-color: #fff4e0; border: 2px solid #8a5300;
                          white-space: nowrap; }
.footer { margin-top: 24px; font-size: 8.5pt; color: #555555; }
@media print {
  table.step { page-break-inside: avoid; }
}
"""


def render_walkthrough_html(
    replacement: Replacement | str, platform: str, catalogue: Catalogue, *, include_test_only: bool = False
) -> str:
    """The walkthrough as one self-contained, printable HTML5 document (inline CSS, no scripts)."""
    return render_html(script(replacement, platform, catalogue, include_test_only=include_test_only))


def render_html(walk: Script) -> str:
    """A walkthrough as one self-contained, printable HTML5 document (inline CSS, no scripts)."""
    title, notes, sections = walk.title, walk.notes, walk.sections
    out = [
        html("<h1>{}</h1>", title),
        # A one-cell table: QTextDocument draws no border or padding around a div.
        html(
            '<table class="notes" width="100%" cellspacing="0" cellpadding="8"><tr><td><ul>{}</ul></td></tr></table>',
            join(html("<li>{}</li>", note) for note in notes),
        ),
    ]
    for section in sections:
        out.append(html("<h2>{}</h2>", _heading(section)))
        if section.only_if:
            out.append(html('<p class="only">{}</p>', section.only_if))
        rows = [(say("label_where"), section.where, "label", "text")] if section.where else []
        rows.append((say("label_say"), section.say, "label", "text"))
        if section.warning:
            rows.append((say("label_warning_html"), section.warning, "warnlabel", "warn"))
        rows.append((say("label_check"), section.check, "label", "text"))
        cells = [
            html('<tr><td class="{}" width="14%">{}</td><td class="{}">{}</td></tr>', label_css, label, text_css, text)
            for label, text, label_css, text_css in rows
        ]
        # "If" rows span both columns: their situation is a whole clause, which a narrow label
        # column would break into a tall stack of short lines on an A4 page.
        cells += [
            html(
                '<tr><td class="if" colspan="2"><b>{}</b> {}</td></tr>',
                say("label_if", when=problem.when),
                problem.then,
            )
            for problem in section.problems
        ]
        out.append(html('<table class="step" width="100%" cellspacing="0" cellpadding="5">{}</table>', join(cells)))
    out.append(html('<p class="footer">{}</p>', walk.footer))
    return document(title, WALKTHROUGH_CSS, out, lang=i18n.current())
