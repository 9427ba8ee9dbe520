"""The helpdesk's phone script: how to walk a person through Offramp's migration to one replacement on one OS.

Each section stands for one step of the migration and says what to tell the person ("Say"), what they
should see on screen ("Check") and what to do when the usual things go wrong ("If …").

The script is made by the planner itself: it plans a migration for a machine that carries every
product the catalogue lists for that OS (the ones a scan can report as installed on a workstation),
with the default policy, and describes each planned step. So the sections come in exactly the order
app.core.migrate.plan.make_plan puts them (preflight, data rescue, staging, removal in catalogue order, restart,
clean-up, install, verify, rescan, report), and every name, address, password prompt and fallback comes
from the catalogue and the playbook, never from this file. A real machine carries fewer products, so
Offramp shows fewer steps: the script says so and the helpdesk follows the titles.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from app.core.data import platforms
from app.core.data.catalogue import Catalogue, Product, RemovalMethod
from app.core.data.policy import Policy
from app.core.data.replacements import InstallMethod, Replacement, find_replacement
from app.core.migrate.plan import Plan, Step, make_plan
from app.core.migrate.secrets import LABELS, needed_for
from app.core.output.page import document, html, join
from app.core.scan.findings import Findings, InstalledProduct

# Servers and the vendor's portable tools are not what a person at home or at an office desk has:
# a phone walkthrough for them would bury the common path under steps nobody will see.
SKIPPED_FAMILIES = ("server", "tool")
TEXT_WIDTH = 96


class WalkthroughError(ValueError):
    """The walkthrough cannot be made: unknown OS, a test-only playbook, or a playbook without this OS."""


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
        raise WalkthroughError(f"unknown system {platform!r}: choose windows, macos or linux") from None


def _resolve(replacement: Replacement | str, include_test_only: bool) -> Replacement:
    if isinstance(replacement, str):
        try:
            replacement = find_replacement(replacement, include_test_only=True)
        except KeyError:
            raise WalkthroughError(f"unknown playbook {replacement!r}: see 'offramp playbooks list'") from None
    if replacement.test_only and not include_test_only:
        raise WalkthroughError(f"{replacement.id} is a test playbook, not something to walk a person through")
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


def _join(names: list[str], conjunction: str = "or") -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?:" else text + "."


class _Writer:
    """Turns each plan step into a section; holds what every section may need to look up."""

    def __init__(
        self, replacement: Replacement, platform: str, catalogue: Catalogue, plan: Plan, products: list[Product]
    ):
        self.r = replacement
        self.platform = platform
        self.os = platforms.display_name(platform)
        self.catalogue = catalogue
        self.plan = plan
        self.products = products
        methods = replacement.install.get(platform, ())
        self.method: InstallMethod | None = methods[0] if methods else None
        self.other_methods = methods[1:]

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
        return (tool.name if tool else f"{self.catalogue.vendor.name}'s removal tool"), url

    def _password_reset(self) -> list[str]:
        """The catalogue's instructions for a forgotten uninstall or settings password on this OS."""
        # The catalogue has no field for "what to do when the password is forgotten"; its removal
        # instructions say it in words, so they are found by what they talk about rather than by
        # naming a product or tool here (a catalogue for another vendor then brings its own).
        found: list[str] = []
        for product in self._on_platform():
            for method in product.removal[self.platform].methods:
                text = (method.instructions or "").lower()
                if method.instructions and "password" in text and "forgot" in text and method.instructions not in found:
                    found.append(method.instructions)
        return found

    def _admin_rights(self) -> str:
        return {
            "windows": 'Close Offramp, right-click it, choose "Run as administrator" and answer Yes when '
            "Windows asks. On a work PC without an administrator account, the IT department has to do it.",
            "darwin": "The user must be signed in to an administrator account of this Mac (or type one's name and "
            "password when macOS asks). Then start Offramp again.",
            "linux": "Start Offramp again with administrator rights, for example with sudo in a terminal.",
        }[self.platform]

    def _retry_later(self) -> Problem | None:
        if self.platform != "windows":
            return None
        return Problem(
            "Offramp says another installation is running",
            "Windows Update or another installer is busy. Wait until it finishes (a restart often "
            "helps), then start Offramp again: it carries on where it stopped.",
        )

    # --- one method per step kind, in plan order -----------------------------------------------
    def preflight(self, step: Step) -> _Parts:
        needs_download = bool(step.params.get("needs_download"))
        stage = next((s for s in self.plan.steps if s.kind == "stage"), None)
        host = urlsplit(str(stage.params.get("url", ""))).hostname if stage else None
        problems = [
            Problem("Offramp says it needs administrator rights", self._admin_rights()),
            Problem(
                "Offramp says there is not enough free disk space",
                "Free the space it names (empty the Recycle Bin or Trash, delete large downloads), "
                "then start Offramp again. Nothing has been changed yet.",
            ),
        ]
        if needs_download:
            problems.append(
                Problem(
                    f"Offramp says it cannot reach {host or 'the download site'}",
                    "Check the internet connection, and the proxy on a work network, then start "
                    "Offramp again. Nothing has been changed yet.",
                )
            )
        if self.platform == "windows":
            problems.append(
                Problem(
                    "Offramp warns that Windows is waiting for a restart from an earlier update",
                    "Best restart now and start Offramp again, so no installer asks for a restart half-way through.",
                )
            )
        return _Parts(
            say=(
                "Start Offramp. Its first page shows a support code: ask the user to read it to you and note it "
                "in the ticket. Offramp then scans the computer and says what it found; when it lists the "
                f"replacements, the user chooses {self.r.name}. When the migration starts, Offramp first checks "
                "that this computer is ready: administrator rights, a restart left over from updates, free disk "
                "space"
                + (" and the connection to the download site" if needs_download else "")
                + ". Nothing is changed yet."
            ),
            check=f'Offramp shows "{step.title}" as its first step and goes on by itself.',
            problems=problems,
        )

    def rescue(self, step: Step) -> _Parts:
        risk = self.catalogue.risk(str(step.params["risk_id"]))
        owners = [p.name for p in self.products if risk.id in p.data_at_risk]
        return _Parts(
            say=f"{_sentence(risk.risk)} Before anything is removed: {_sentence(risk.action)}",
            check=f'Before anything is removed, Offramp shows "{risk.title}" with these instructions, and the '
            "user ticks it off (or confirms) once it is done or does not apply.",
            warning=risk.warning,
            only_if=f"Only when Offramp found {_join(owners)}." if owners else None,
            problems=[
                Problem(
                    "the user cannot do it now",
                    "Leave it unconfirmed: Offramp does not go on to the removal without it, and nothing "
                    "has been changed. The user can close Offramp and start again when ready.",
                )
            ],
        )

    def stage(self, step: Step) -> _Parts:
        method = str(step.params.get("method"))
        size = int(step.params.get("size") or 0)
        say = {
            "builtin": f"Nothing to download: {self.r.name} is part of {self.os}. Offramp only makes sure it is "
            "there before it removes anything.",
            "download": f"Offramp downloads {self.r.name}"
            + (f" (about {max(1, size // 2**20)} MB)" if size else "")
            + " and checks it is exactly the expected file before it removes anything, so the "
            "computer is never left without protection.",
            "winget": f"Offramp has Windows Package Manager fetch {self.r.name} before it removes anything, so the "
            "computer is never left without protection.",
            "package": f"Offramp has the system's package manager fetch {self.r.name} before it removes anything, "
            "so the computer is never left without protection.",
        }.get(method, step.detail)
        problems = []
        if method != "builtin":
            problems.append(
                Problem(
                    f"Offramp says it could not download {self.r.name}",
                    "Nothing was removed. Check the internet connection (and the proxy on a work "
                    "network), then start Offramp again.",
                )
            )
        if method == "download":
            problems.append(
                Problem(
                    "Offramp says the download did not match",
                    "Nothing was run and nothing was removed. Try again later; if it happens again, "
                    "note the support code and pass it on: the playbook needs updating.",
                )
            )
        check = (
            f'Offramp shows "{step.title}"'
            + (" with the download's progress" if method == "download" else "")
            + " and goes on by itself."
        )
        return _Parts(say=say, check=check, problems=problems)

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
            say = (
                f"{_sentence(step.detail)} Offramp cannot do this one alone, so stay with the user while they "
                "go through it."
            )
            if chosen and chosen.instructions:
                say += f" Details: {_sentence(chosen.instructions)}"
            if chosen and chosen.url:
                say += f" The tool comes from {chosen.url}."
            if chosen and chosen.path:
                say += f" The script is {chosen.path}."
            check = (
                f'Offramp shows "{step.title}" and asks the user to do it. When they confirm, Offramp '
                "checks that it is really gone before it goes on."
            )
        else:
            say = (
                f"Offramp removes {product.name} by itself. This can take several minutes: keep the computer "
                "on and do not close Offramp." + (" It may ask for a restart afterwards." if restart else "")
            )
            check = f'Offramp shows "{step.title}" and goes on by itself when it is done.'

        secrets = needed_for([step.params])
        if secrets:
            labels = [LABELS[key] for key in sorted(secrets)]
            problems.append(
                Problem(
                    f"Offramp asks for the {_join(labels, 'and the')}",
                    f"The administrator who set up {product.name} has it. The user types it into "
                    "Offramp; Offramp keeps it only in memory and never writes it into its files or "
                    "the report. Do not have it read out on the phone.",
                )
            )
            remedy = ["If the password is known, start Offramp again and type it when asked."]
            remedy += [_sentence(text) for text in self._password_reset()]
            tool = self._removal_tool()
            if tool:
                remedy.append(
                    f"If the removal still fails, the user runs {tool[0]}"
                    + (f" ({tool[1]})" if tool[1] else "")
                    + ": it asks them to type a code shown on "
                    "screen, so nobody can do it for them. Then start Offramp again."
                )
            problems.append(
                Problem(
                    "Offramp stops and says the removal was blocked by a password or self-defence (exit 24)",
                    " ".join(remedy),
                )
            )
        if fallbacks:
            ways = []
            for number, method in enumerate(fallbacks, 1):
                text = _sentence(method.instructions or method.kind)
                if method.url:
                    text += f" ({method.url})"
                ways.append(f"({number}) {text}" if len(fallbacks) > 1 else text)
            problems.append(
                Problem(
                    "the removal does not work",
                    "Other ways, from Offramp's catalogue: "
                    + " ".join(ways)
                    + " Then start Offramp again: it carries on where it stopped.",
                )
            )
        if not step.needs_person:
            retry = self._retry_later()
            if retry:
                problems.append(retry)
            problems.append(
                Problem(
                    "the uninstaller hangs or fails",
                    "Offramp stops it and says so. Restart the computer and start Offramp again: it "
                    "carries on at this step.",
                )
            )
        return _Parts(say=say, check=check, problems=problems, only_if=f"Only when Offramp found {product.name}.")

    def reboot(self, step: Step) -> _Parts:
        uninstalls = [s for s in self.plan.steps if s.kind == "uninstall"]
        always = [
            self.catalogue.product(str(s.params["product_id"])).name
            for s in uninstalls
            if s.params.get("reboot") == "required"
        ]
        only_if = (
            f"Always after removing {_join(always)}; otherwise only when an uninstaller asked for a restart."
            if always
            else "Only when an uninstaller asked for a restart."
        )
        return _Parts(
            say=f"{_sentence(step.detail)} Ask the user to save any open work first, and agree how you will "
            "reach each other again after the restart.",
            check="Offramp asks whether to restart now. After the restart and sign-in, Offramp opens again and "
            "goes on with the next step.",
            only_if=only_if,
            problems=[
                Problem(
                    "the user wants to restart later",
                    "That is fine: Offramp waits, and carries on by itself after the next restart.",
                ),
                Problem(
                    "Offramp does not come back after the restart",
                    "Start Offramp again: it finds the unfinished migration and carries on from the first "
                    "unfinished step (administrators: 'offramp resume').",
                ),
            ],
        )

    def cleanup(self, step: Step) -> _Parts:
        tool = self._removal_tool()
        then = (
            'They are listed under "To do by hand" in the report. They do not stop the migration, and '
            "Offramp only ever removes parts that certainly belong to the banned product."
        )
        if tool:
            then += f" {tool[0]} can remove them later" + (f" ({tool[1]})." if tool[1] else ".")
        return _Parts(
            say="Offramp now removes, by itself, what the uninstallers left behind: only parts that "
            "certainly belong to the banned product.",
            check=f'Offramp shows "{step.title}" and says how many leftovers it removed.',
            problems=[Problem("Offramp says it could not remove some leftovers", then)],
        )

    def install(self, step: Step) -> _Parts:
        method = self.method
        assert method is not None  # the planner makes an install step only from a method
        url = method.details.get("url")
        problems: list[Problem] = []
        alternatives = [m.details["url"] for m in self.other_methods if m.details.get("url")]
        if not step.needs_person:
            how = {
                "builtin": f"Nothing to install: {self.r.name} is part of {self.os}. Offramp switches it on "
                "automatically",
                "winget": f"Offramp installs {self.r.name} automatically with Windows Package Manager",
                "package": f"Offramp installs {self.r.name} automatically with the system's package manager",
                "download": f"Offramp installs {self.r.name} automatically from the file it downloaded and checked",
            }.get(method.method, f"Offramp installs {self.r.name} automatically")
            say = how + ": the user does not need to click anything."
            check = f'Offramp shows "{step.title}" and goes on by itself.'
            if method.method != "builtin":
                retry = self._retry_later()
                if retry:
                    problems.append(retry)
                problems.append(
                    Problem(
                        f"Offramp says installing {self.r.name} failed (exit 26)",
                        "The old product is already gone, so do not leave it there: start Offramp "
                        "again, which retries the install"
                        + (f", or install it by hand from {alternatives[0]}." if alternatives else "."),
                    )
                )
        else:
            if url:
                say = (
                    f"Offramp opens the {self.r.vendor} page, {url}. Help the user install {self.r.name} from "
                    "there, then come back to Offramp and confirm."
                )
            else:
                say = (
                    f"{self.r.name} needs a person to install it: Offramp asks the user to do it and to confirm "
                    "when it is done."
                )
            if self.r.price != "free":
                say += f" {self.r.name} is {self.r.price.replace('-', ' ')}: the user may need to sign in or buy it."
            if method.notes:
                say += " " + _sentence(method.notes)
            check = (
                f"The web browser opens {url}. " if url else ""
            ) + f"Offramp waits until the user confirms, then checks that {self.r.name} is installed."
            if url:
                problems.append(Problem("the page does not open", f"Read the address to the user: {url}"))
            problems.append(
                Problem(
                    f"Offramp still does not see {self.r.name} after the user confirms",
                    "Make sure the installer has finished (and restart if it asked to), then confirm again.",
                )
            )
        return _Parts(say=say, check=check, problems=problems)

    def verify(self, step: Step) -> _Parts:
        checks = self.r.verify.get(self.platform, {})
        check = f'Offramp says "{self.r.name}: protecting".'
        if checks.get("security_center"):
            check += (
                " In Windows Security > Virus & threat protection the user sees "
                f"{_join([str(n) for n in checks['security_center']])} as the active antivirus."
            )
        elif checks.get("services"):
            services = [str(s) for s in checks["services"]]
            check += (
                f" The service {services[0]} is running."
                if len(services) == 1
                else f" The services {_join(services, 'and')} are running."
            )
        return _Parts(
            say=f"Offramp checks that {self.r.name} is really protecting the computer.",
            check=check,
            problems=[
                Problem(
                    f"Offramp says {self.r.name} is installed but not protecting yet (exit 27)",
                    "It can take a few minutes to switch on. Wait, then start Offramp again: it repeats "
                    f"the check. If it stays off, open {self.r.name} and switch its protection on.",
                )
            ],
        )

    def rescan(self, step: Step) -> _Parts:
        return _Parts(
            say="Offramp scans the computer once more to prove that nothing banned is left.",
            check="Offramp says nothing banned is left, and lists any leftovers it could not remove.",
            problems=[
                Problem(
                    "Offramp still finds something (exit 28)",
                    "Restart the computer and start Offramp again. If it still finds it, note the "
                    "support code and escalate.",
                )
            ],
        )

    def report(self, step: Step) -> _Parts:
        return _Parts(
            say="Offramp writes its report. Its last page shows the result: what was removed and "
            "installed, and anything still to do by hand. Go through the to-do list with the user.",
            check="The support code is at the top of the report, the same one as on the first page; it "
            "finds this migration in Offramp's records.",
            problems=[
                Problem(
                    "you need the whole report",
                    "The user can save it as HTML or PDF on Offramp's last page. On the command "
                    "line: 'offramp report --output report.html'.",
                )
            ],
        )


def walkthrough(
    replacement: Replacement | str, platform: str, catalogue: Catalogue, *, include_test_only: bool = False
) -> list[Section]:
    """The numbered sections for migrating to `replacement` (a playbook or its id) on `platform`."""
    platform = normalise_platform(platform)
    replacement = _resolve(replacement, include_test_only)
    if platform not in replacement.platforms:
        offered = _join([platforms.display_name(p) for p in replacement.platforms])
        raise WalkthroughError(
            f"{replacement.name} is not available for {platforms.display_name(platform)} "
            f"(only for {offered}): see 'offramp playbooks list --platform "
            f"{platforms.typed_name(platform)}'"
        )
    plan, products = _plan(replacement, platform, catalogue)
    writer = _Writer(replacement, platform, catalogue, plan, products)
    total = len(plan.steps)
    sections = []
    for number, step in enumerate(plan.steps, 1):
        parts: _Parts = getattr(writer, step.kind)(step)
        sections.append(
            Section(
                number=number,
                total=total,
                step_id=step.id,
                kind=step.kind,
                title=step.title,
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
    title = f"Phone walkthrough: moving to {replacement.name} on {os_name}"
    notes = [
        f"{len(sections)} steps, in the order Offramp runs them. Offramp shows only the steps this computer needs "
        "(for example, only for the products it found), so its step numbers can be smaller than here: follow "
        "the step titles.",
        f"{_sentence(replacement.summary)}",
        f"Nothing is removed until {replacement.name} is ready, and every removal is recorded, so a restart or a "
        "dropped call never leaves the computer half-done: starting Offramp again carries on where it stopped.",
        "Before you start: the user needs an administrator account on this computer, the computer should be "
        "plugged in, and the user should save and close their work. Allow about half an hour"
        + (" and a restart." if any(s.kind == "reboot" for s in sections) else "."),
    ]
    if replacement.price != "free":
        notes.append(
            f"{replacement.name} is {replacement.price.replace('-', ' ')}: the user needs their "
            f"{replacement.vendor} account or a way to pay."
        )
    return title, notes


def _prepare(
    replacement: Replacement | str, platform: str, catalogue: Catalogue, include_test_only: bool
) -> tuple[Replacement, str, list[Section]]:
    sections = walkthrough(replacement, platform, catalogue, include_test_only=include_test_only)
    return _resolve(replacement, include_test_only), normalise_platform(platform), sections


def render_walkthrough_text(
    replacement: Replacement | str, platform: str, catalogue: Catalogue, *, include_test_only: bool = False
) -> str:
    """The walkthrough as plain text, wrapped for a terminal or a ticket."""
    replacement, platform, sections = _prepare(replacement, platform, catalogue, include_test_only)
    title, notes = _introduction(replacement, platform, sections)

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
        heading = f"Step {section.number} of {section.total}: {section.title}"
        out += ["", heading, "-" * min(len(heading), TEXT_WIDTH)]
        if section.only_if:
            out += para("", f"({section.only_if})")
        out += para("Say:   ", section.say)
        if section.warning:
            out += para("WARNING: ", section.warning)
        out += para("Check: ", section.check)
        for problem in section.problems:
            out += para("If ", f"{problem.when}: {problem.then}")
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
    replacement, platform, sections = _prepare(replacement, platform, catalogue, include_test_only)
    title, notes = _introduction(replacement, platform, sections)
    out = [
        html("<h1>{}</h1>", title),
        # A one-cell table: QTextDocument draws no border or padding around a div.
        html(
            '<table class="notes" width="100%" cellspacing="0" cellpadding="8"><tr><td><ul>{}</ul></td></tr></table>',
            join(html("<li>{}</li>", note) for note in notes),
        ),
    ]
    for section in sections:
        out.append(html("<h2>Step {} of {}: {}</h2>", section.number, section.total, section.title))
        if section.only_if:
            out.append(html('<p class="only">{}</p>', section.only_if))
        rows = [("Say:", section.say, "label", "text")]
        if section.warning:
            rows.append(("Warning:", section.warning, "warnlabel", "warn"))
        rows.append(("Check:", section.check, "label", "text"))
        cells = [
            html('<tr><td class="{}" width="14%">{}</td><td class="{}">{}</td></tr>', label_css, label, text_css, text)
            for label, text, label_css, text_css in rows
        ]
        # "If" rows span both columns: their situation is a whole clause, which a narrow label
        # column would break into a tall stack of short lines on an A4 page.
        cells += [
            html('<tr><td class="if" colspan="2"><b>If {}:</b> {}</td></tr>', problem.when, problem.then)
            for problem in section.problems
        ]
        out.append(html('<table class="step" width="100%" cellspacing="0" cellpadding="5">{}</table>', join(cells)))
    out.append(
        html(
            '<p class="footer">Made by Offramp from the {} playbook (checked {}) and the banned-product catalogue.</p>',
            replacement.id,
            replacement.verified_on.isoformat(),
        )
    )
    return document(title, WALKTHROUGH_CSS, out)
