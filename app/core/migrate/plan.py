"""The planner: from findings, a replacement and an admin policy to an ordered list of steps. Pure: no I/O.

The order is the safety argument: the replacement is staged (downloaded and verified) before
anything is removed, so a machine that loses its network mid-way is never left without protection;
products are removed in the catalogue's order (endpoint agent before Network Agent, GUI packages
before their daemon, companions last); the replacement is installed and verified, then a rescan
proves nothing banned is left.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from offramp.core.data.catalogue import Catalogue
from offramp.core.data.policy import Policy
from offramp.core.data.replacements import Replacement
from offramp.core.i18n import Text
from offramp.core.scan.findings import Findings, InstalledProduct

STAGEABLE = {"download", "package", "winget", "builtin"}


@dataclass
class Step:
    id: str  # stable across runs: the journal and the state file refer to steps by it
    kind: str  # preflight, rescue, stage, uninstall, reboot, cleanup, install, verify, rescan, report
    title: str  # English, a Text (offramp.core.i18n) where the planner wrote it: i18n.shown() gives the reader's words
    detail: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    cancellable: bool = True  # cancelling before or during this step leaves the machine consistent
    needs_person: bool = False  # a guided step (vendor page, interactive uninstaller)


@dataclass
class Plan:
    platform: str
    replacement_id: str | None
    steps: list[Step]
    warnings: list[str] = field(default_factory=list)
    created_at: str = ""
    root: str | None = None
    # What the scan found, each with its certainty and rule, and whether this plan removes it.
    found: list[dict[str, Any]] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """Identifies what the plan does (not when it was made), so a resume can tell it is the same plan."""
        body = json.dumps([[s.id, s.params] for s in self.steps], sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "replacement_id": self.replacement_id,
            "created_at": self.created_at,
            "root": self.root,
            "fingerprint": self.fingerprint,
            "warnings": self.warnings,
            "found": self.found,
            "steps": [asdict(s) for s in self.steps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(
            platform=data["platform"],
            replacement_id=data["replacement_id"],
            steps=[Step(**s) for s in data["steps"]],
            warnings=list(data.get("warnings", [])),
            created_at=data.get("created_at", ""),
            root=data.get("root"),
            found=list(data.get("found", [])),
        )

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)


class PlanError(Exception):
    """The request cannot be planned (e.g. the replacement does not exist for this platform)."""


def _uninstall_step(product: InstalledProduct, catalogue: Catalogue, platform: str) -> Step:
    listed = catalogue.product(product.product_id)
    vendor = listed.vendor or catalogue.vendor.name
    removal = listed.removal.get(platform)
    if removal is None:
        return Step(
            f"uninstall.{product.product_id}",
            "uninstall",
            Text("Remove {product}", product=product.edition or product.name),
            Text("Offramp has no removal method for this product on this system: remove it by hand."),
            params={"product_id": product.product_id, "method": "manual"},
            needs_person=True,
        )
    # The first method that fits what was found: an MSI needs its ProductCode, a package its name.
    chosen = None
    for method in removal.methods:
        if method.kind == "msi" and product.product_codes:
            chosen = method
        elif method.kind == "package" and product.packages:
            chosen = method
        elif method.kind in ("uninstall-string", "script", "vendor-tool", "manual"):
            chosen = method
        if chosen:
            break
    if chosen is None:
        chosen = removal.methods[-1]
    params: dict[str, Any] = {
        "product_id": product.product_id,
        "method": chosen.kind,
        "password": chosen.password,
        "reboot": chosen.reboot or removal.reboot,
        "label": product.edition or product.name,
    }
    if chosen.kind == "msi":
        params["product_codes"] = product.product_codes
    elif chosen.kind == "package":
        installed = set(product.packages)
        params["packages"] = [p for p in chosen.packages if p in installed] + sorted(installed - set(chosen.packages))
    elif chosen.kind == "script":
        params["path"] = chosen.path
    elif chosen.kind == "vendor-tool":
        params["url"] = chosen.url
    label = product.edition or product.name
    detail = {
        "msi": Text("Windows Installer removes it silently (the uninstall password is needed)")
        if chosen.password != "none"
        else Text("Windows Installer removes it silently"),
        "package": Text("The package manager removes {packages}", packages=", ".join(params.get("packages", []))),
        "uninstall-string": Text(
            "{vendor}'s own uninstaller opens: follow it, and keep your licence if it offers to", vendor=vendor
        ),
        "script": Text("{vendor}'s uninstall script removes it", vendor=vendor),
        "vendor-tool": Text(
            "{vendor}'s removal tool must be run by a person. {instructions}",
            vendor=vendor,
            instructions=chosen.instructions or "",
        ),
        "manual": chosen.instructions or Text("Remove it by hand"),
    }[chosen.kind]
    return Step(
        f"uninstall.{product.product_id}",
        "uninstall",
        Text("Remove {product}", product=label),
        detail,
        params=params,
        cancellable=False,
        needs_person=not chosen.silent,
    )


def make_plan(
    findings: Findings,
    catalogue: Catalogue,
    replacement: Replacement | None,
    policy: Policy,
    now: dt.datetime | None = None,
    root: str | None = None,
    confirmed: frozenset[str] = frozenset(),
) -> Plan:
    """`confirmed` names the probable findings a person confirmed: product ids, or "kind name" of leftovers."""
    platform = findings.platform
    if replacement is not None and platform not in replacement.platforms:
        raise PlanError(
            Text(
                "{replacement} is not available for {system}; choose one with 'offramp playbooks list --platform "
                "{system}'",
                replacement=replacement.name,
                system=platform,
            )
        )
    install_methods = replacement.install.get(platform, ()) if replacement else ()
    method = install_methods[0] if install_methods else None
    warnings: list[str] = []

    def sure(certainty: str, key: str) -> bool:
        return certainty == "certain" or policy.remove_probable or key in confirmed

    wanted = [p for p in findings.installed if policy.removes(catalogue.product(p.product_id).family, p.product_id)]
    to_remove = [p for p in wanted if sure(p.certainty, p.product_id)]
    for p in findings.installed:
        if p not in wanted:
            warnings.append(
                Text(
                    "{product} is kept: the policy does not remove {family} products",
                    product=p.name,
                    family=catalogue.product(p.product_id).family,
                )
            )
        elif p not in to_remove:
            warnings.append(
                Text(
                    "{product} is probably installed ({rule}): it is removed once a person confirms it",
                    product=p.edition or p.name,
                    rule=p.rule,
                )
            )
    leftovers_ok = [
        f"{item.kind} {item.name}" for item in findings.leftovers if sure(item.certainty, f"{item.kind} {item.name}")
    ]
    for item in findings.leftovers:
        if f"{item.kind} {item.name}" not in leftovers_ok:
            warnings.append(
                Text(
                    "{kind} {name} is probably a leftover ({rule}): it is kept until a person confirms it",
                    kind=item.kind,
                    name=item.name,
                    rule=item.rule,
                )
            )
    found = [
        {
            "kind": "installed",
            "id": p.product_id,
            "name": p.edition or p.name,
            "certainty": p.certainty,
            "rule": p.rule,
            "removed": p in to_remove,
        }
        for p in findings.installed
    ] + [
        {
            "kind": item.kind,
            "id": item.product_id,
            "name": item.name,
            "certainty": item.certainty,
            "rule": item.rule,
            "removed": f"{item.kind} {item.name}" in leftovers_ok,
        }
        for item in findings.leftovers
    ]

    steps = [
        Step(
            "preflight",
            "preflight",
            Text("Check this machine is ready"),
            Text(
                "Administrator rights, a pending restart, free disk space, the edition of the system, "
                "and whether the replacement can be downloaded"
            ),
            params={
                "needs_download": bool(method and method.method == "download"),
                "download_size": (method.details.get("size") if method else None) or 0,
            },
        )
    ]

    risks = []
    for product in to_remove:
        for risk_id in product.data_at_risk:
            if risk_id not in risks:
                risks.append(risk_id)
    for risk_id in risks:
        risk = catalogue.risk(risk_id)
        steps.append(
            Step(
                f"rescue.{risk_id}",
                "rescue",
                risk.title,
                risk.action,
                params={"risk_id": risk_id, "warning": risk.warning},
            )
        )

    if replacement and method and method.method in STAGEABLE:
        builtin = method.method == "builtin"
        steps.append(
            Step(
                f"stage.{replacement.id}",
                "stage",
                Text("Check {replacement} is on this computer", replacement=replacement.name)
                if builtin
                else Text("Download and check {replacement} first", replacement=replacement.name),
                Text("Nothing is removed until the replacement is on this machine and ready"),
                params={"replacement_id": replacement.id, "method": method.method, **_recordable(method.details)},
            )
        )

    uninstalls = [_uninstall_step(p, catalogue, platform) for p in to_remove]
    steps += uninstalls
    reboot = "none"
    for step in uninstalls:
        level = step.params.get("reboot", "none")
        if level == "required" or (level == "maybe" and reboot == "none"):
            reboot = level
    by_policy = bool(uninstalls) and policy.reboot_after_removal and reboot != "required"
    if by_policy:
        reboot = "required"
    if reboot != "none":
        if by_policy:
            detail = Text("The policy asks for a restart after the removals; Offramp carries on after it")
        elif platform == "windows":
            detail = Text(
                "The removal finishes when Windows starts again; Offramp carries on by itself after the restart"
            )
        else:
            detail = Text("The removal finishes after a restart; Offramp carries on after it")
        steps.append(
            Step(
                "reboot",
                "reboot",
                Text("Restart the computer"),
                detail,
                params={"when": reboot},
                cancellable=True,
            )
        )

    if to_remove or findings.leftovers:
        steps.append(
            Step(
                "cleanup",
                "cleanup",
                Text("Remove what the uninstallers left behind"),
                Text("Only services, drivers, folders and keys that certainly belong to the banned product"),
                params={"leftovers": leftovers_ok},
                cancellable=False,
            )
        )

    if replacement and method:
        steps.append(
            Step(
                f"install.{replacement.id}",
                "install",
                # Offramp does nothing here but leave it to the system: the title must not claim it switched it on.
                Text("Let {replacement} switch itself on", replacement=replacement.name)
                if method.method == "builtin"
                else Text("Install {replacement}", replacement=replacement.name),
                _install_detail(replacement, method.method),
                params={
                    "replacement_id": replacement.id,
                    "method": method.method,
                    "label": replacement.name,
                    **_recordable(method.details),
                },
                cancellable=False,
                needs_person=not method.silent,
            )
        )
        steps.append(
            Step(
                f"verify.{replacement.id}",
                "verify",
                Text("Check {replacement} is protecting this computer", replacement=replacement.name),
                params={"replacement_id": replacement.id},
            )
        )
    elif not replacement:
        warnings.append(
            Text("No replacement was chosen: after removal this machine relies on what the system provides")
        )

    steps.append(Step("rescan", "rescan", Text("Scan again to prove nothing banned is left")))
    steps.append(Step("report", "report", Text("Write the report")))
    return Plan(
        platform=platform,
        replacement_id=replacement.id if replacement else None,
        steps=steps,
        warnings=warnings,
        created_at=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        root=root,
        found=found,
    )


def _recordable(details: Any) -> dict[str, Any]:
    """A method's fields as a plan may keep them: the plan goes into the state file, the journal and the report,
    so a URL's user:password@ stays in the playbook (the download step reads it from there)."""
    from offramp.core.urls import without_credentials

    out = dict(details)
    if isinstance(out.get("url"), str):
        out["url"] = without_credentials(out["url"])
    return out


def _install_detail(replacement: Replacement, method: str) -> str:
    return {
        "builtin": Text(
            "{replacement} is part of the system and switches itself on once the old product is gone; the next "
            "step checks it",
            replacement=replacement.name,
        ),
        "winget": Text("Windows Package Manager installs it silently"),
        "package": Text("The system's package manager installs it"),
        "download": Text("The verified installer runs silently"),
        "vendor-page": Text("{vendor}'s page opens: install it from there, then come back", vendor=replacement.vendor),
    }.get(method, method)
