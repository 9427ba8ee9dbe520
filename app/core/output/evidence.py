"""A finding's evidence as rows a person can read out on the phone, not as raw inventory JSON.

Each evidence row is an inventory row (osquery's tables and columns, app/core/data/osquery_tables.py);
here it becomes a label and the facts that identify it: "Uninstall entry: Acme Total Security 21.2,
publisher Acme Lab", "Service: ACME, image C:\\...\\acme.exe", "File: C:\\...\\acmeflt.sys". The wizard's
technical details show them as a table (finding, what, where or value, rule, certainty: `finding_table`),
`offramp scan` as lines under each finding. Values come from the machine, so they are made printable here
(app/core/textsafe.py); a page still escapes them as it escapes any text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from offramp.core.i18n import _, shown
from offramp.core.scan.findings import Evidence, Findings
from offramp.core.scan.matching import image_path
from offramp.core.textsafe import printable

DRIVER_TYPES = ("KERNEL_DRIVER", "FILE_SYSTEM_DRIVER")  # how osquery's services table names a driver


class Row(NamedTuple):
    """One piece of evidence in words: what it is, and the facts that identify it."""

    label: str
    text: str

    def __str__(self) -> str:
        return f"{self.label}: {self.text}"


def _value(row: Mapping[str, Any], *columns: str) -> str:
    """The first of `columns` with a value, printable, or ''."""
    for column in columns:
        value = row.get(column)
        if value is not None and str(value).strip():
            return printable(str(value).strip())
    return ""


def _facts(head: str, *parts: str) -> str:
    return ", ".join(part for part in (head, *parts) if part)


def _named(head: str, version: str) -> str:
    return f"{head} {version}" if head and version else head or version


def _programs(row: Mapping[str, Any]) -> Row:
    publisher, folder, code = (_value(row, c) for c in ("publisher", "install_location", "identifying_number"))
    return Row(
        _("Uninstall entry"),
        _facts(
            _named(_value(row, "name"), _value(row, "version")),
            _("publisher {publisher}", publisher=publisher) if publisher else _("no publisher"),
            _("folder {folder}", folder=folder) if folder else "",
            _("product code {code}", code=code) if code else "",
        ),
    )


def _services(row: Mapping[str, Any]) -> Row:
    driver = _value(row, "service_type").upper() in DRIVER_TYPES
    # The column holds a command line; the person needs the file it runs.
    image = image_path(_value(row, "path", "module_path"))
    display, status = _value(row, "display_name"), _value(row, "status")
    name = _value(row, "name")
    return Row(
        _("Driver") if driver else _("Service"),
        _facts(
            f"{name} ({display})" if display and display != name else name,
            _("image {path}", path=image) if image else "",
            _("status {status}", status=status) if status else "",
        ),
    )


def _processes(row: Mapping[str, Any]) -> Row:
    pid, path = _value(row, "pid"), _value(row, "path")
    return Row(
        _("Process"),
        _facts(
            _value(row, "name"),
            _("process id {pid}", pid=pid) if pid else "",
            _("image {path}", path=path) if path else "",
        ),
    )


def _registry(row: Mapping[str, Any]) -> Row:
    data = _value(row, "data")
    return Row(_("Registry"), _facts(_value(row, "path", "key"), _("data {data}", data=data) if data else ""))


def _file(row: Mapping[str, Any]) -> Row:
    path = _value(row, "path")
    folder = path.endswith(("/", "\\")) or _value(row, "type") == "directory"
    if not path:
        directory, name = _value(row, "directory"), _value(row, "filename")
        if directory and name:
            path = directory.rstrip("/\\") + ("\\" if "\\" in directory else "/") + name
        elif name:
            return Row(_("File"), _facts(name, _("folder not known")))
        else:
            path = directory
    return Row(_("Folder") if folder else _("File"), path)


def _security_products(row: Mapping[str, Any]) -> Row:
    state = _value(row, "state")
    return Row(
        _("Security Center entry"), _facts(_value(row, "name"), _("state {state}", state=state) if state else "")
    )


def _apps(row: Mapping[str, Any]) -> Row:
    name = _named(_value(row, "display_name", "bundle_name", "name"), _value(row, "bundle_short_version"))
    return Row(_("App"), _facts(name, _value(row, "bundle_identifier"), _value(row, "path")))


def _launchd(row: Mapping[str, Any]) -> Row:
    program = _value(row, "program")
    return Row(
        _("Launch job"),
        _facts(_value(row, "label", "name"), _("program {path}", path=program) if program else _value(row, "path")),
    )


def _receipts(row: Mapping[str, Any]) -> Row:
    return Row(_("Package receipt"), _named(_value(row, "package_id"), _value(row, "version")))


def _kernel_extensions(row: Mapping[str, Any]) -> Row:
    return Row(_("Kernel extension"), _facts(_named(_value(row, "name"), _value(row, "version")), _value(row, "path")))


def _system_extensions(row: Mapping[str, Any]) -> Row:
    team = _value(row, "team")
    return Row(
        _("System extension"),
        _facts(
            _named(_value(row, "identifier"), _value(row, "version")),
            _("team {team}", team=team) if team else "",
            _value(row, "state"),
        ),
    )


def _deb(row: Mapping[str, Any]) -> Row:
    status = _value(row, "status")
    return Row(
        _("Package (deb)"),
        _facts(
            _named(_value(row, "name"), _value(row, "version")), _("status {status}", status=status) if status else ""
        ),
    )


def _rpm(row: Mapping[str, Any]) -> Row:
    version, release = _value(row, "version"), _value(row, "release")
    vendor = _value(row, "vendor")
    return Row(
        _("Package (rpm)"),
        _facts(
            _named(_value(row, "name"), f"{version}-{release}" if version and release else version),
            _("vendor {vendor}", vendor=vendor) if vendor else "",
        ),
    )


def _units(row: Mapping[str, Any]) -> Row:
    state = "/".join(part for part in (_value(row, "active_state"), _value(row, "sub_state")) if part)
    return Row(
        _("systemd unit"),
        _facts(
            _value(row, "id"),
            _("state {state}", state=state) if state else "",
            _value(row, "fragment_path", "source_path"),
        ),
    )


TABLES: dict[str, Callable[[Mapping[str, Any]], Row]] = {
    "programs": _programs,
    "services": _services,
    "processes": _processes,
    "registry": _registry,
    "file": _file,
    "windows_security_products": _security_products,
    "apps": _apps,
    "launchd": _launchd,
    "package_receipts": _receipts,
    "kernel_extensions": _kernel_extensions,
    "system_extensions": _system_extensions,
    "deb_packages": _deb,
    "rpm_packages": _rpm,
    "systemd_units": _units,
}


def row(table: str, values: Mapping[str, Any]) -> Row:
    """The evidence row `values` of osquery table `table`, in words. A table Offramp does not know is shown as
    its columns and values, so no evidence is ever hidden."""
    describe = TABLES.get(table)
    if describe is not None:
        found = describe(values)
        if found.text:
            return found
    listed = ", ".join(f"{printable(k)} {printable(v)}" for k, v in sorted(values.items()) if v not in (None, ""))
    return Row(printable(table), listed)


def rows(evidence: Iterable[Evidence | Mapping[str, Any]]) -> list[Row]:
    """Each piece of evidence in words: a finding's `Evidence`, or a row as a report keeps it (`{"table": …,
    <its columns>}`, or `{"table": …, "row": {…}}`)."""
    out = []
    for item in evidence:
        if isinstance(item, Evidence):
            out.append(row(item.table, item.row))
        else:
            values = item.get("row")
            if not isinstance(values, Mapping):
                values = {k: v for k, v in item.items() if k != "table"}
            out.append(row(str(item.get("table", "")), values))
    return out


def certainty_word(value: str) -> str:
    """'certain' or 'probable' in the reader's language."""
    return _("certain") if value == "certain" else _("probable")


def kind_word(kind: str) -> str:
    """What a finding is ("service", "registry key"…) as a word of the reader's language; the JSON keeps the
    English kind."""
    words = {
        "installed": _("installed program"),
        "service": _("service"),
        "driver": _("driver"),
        "folder": _("folder"),
        "file": _("file"),
        "key": _("registry key"),
        "process": _("process"),
        "unit": _("systemd unit"),
        "launchd": _("launchd job"),
        "kext": _("kernel extension"),
        "extension": _("system extension"),
        "receipt": _("package receipt"),
        "app": _("app"),
        "package": _("package"),
        "program": _("program"),
        "security-center-entry": _("Security Center entry"),
    }
    return words.get(kind, kind)


class EvidenceLine(NamedTuple):
    """One line of the wizard's evidence table: the finding, one piece of evidence behind it in words, the rule
    that matched it and how certain the finding is, each ready to show."""

    finding: str
    what: str
    where: str
    rule: str
    certainty: str


def finding_table(findings: Findings) -> list[EvidenceLine]:
    """Every piece of evidence behind every finding, one line each: the wizard's technical details. A finding
    without evidence rows still gets a line, so nothing the scan found is missing from the table."""
    out: list[EvidenceLine] = []

    def add(finding: str, certainty: str | None, rule: str, evidence: Iterable[Evidence], reason: str = "") -> None:
        """`certainty` None: each row's own (a row matched by a weaker rule is probable in a certain finding);
        `reason`: what the rule column says instead of each row's rule."""
        items = list(evidence)
        for item, words in zip(items, rows(items), strict=True):
            sure = certainty or certainty_word(item.certainty)
            out.append(
                EvidenceLine(
                    finding=printable(finding),
                    what=words.label,
                    where=words.text,
                    rule=printable(reason or item.rule or rule),
                    certainty=sure,
                )
            )
        if not items:
            out.append(
                EvidenceLine(
                    finding=printable(finding),
                    what="",
                    where="",
                    rule=printable(reason or rule),
                    certainty=certainty or certainty_word("probable"),
                )
            )

    for p in findings.installed:
        label = p.edition if p.edition and p.edition != p.name else p.name
        add(_("Installed: {product}", product=label), None, p.rule, p.evidence)
    for x in findings.leftovers:
        add(_("Left behind: {product}", product=x.product_name), None, x.rule, x.evidence)
    for x in findings.shared:
        add(_("Shared part: {product}", product=x.product_name), None, x.rule, x.evidence)
    for note in [*findings.notes, *findings.guest_installs]:
        # Not the banned product, or not on this system: the reason stands where a rule would.
        add(
            _("Left alone: {name} ({maker})", name=note.name, maker=note.maker),
            _("left alone"),
            "",
            note.evidence,
            reason=shown(note.reason),  # the catalogue's sentence, in the reader's language
        )
    return out
