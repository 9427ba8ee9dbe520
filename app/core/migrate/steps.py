"""What each kind of plan step does: first a check whether it is already done, then the action.

The check is what makes a resume safe: after a crash between an action and its record, the check
sees the action's effect (the package is gone, the file is staged) and the step is not done twice.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from offramp.core import exitcodes
from offramp.core.i18n import PluralText, Text
from offramp.core.migrate import pinned
from offramp.core.migrate.context import Context, Question
from offramp.core.migrate.outcome import Outcome
from offramp.core.migrate.plan import Step
from offramp.core.paths import UntrustedFolder

SAFETY_MARGIN = 200 * 1024 * 1024
LEFTOVER_ORDER = {"service": 0, "driver": 1, "unit": 2, "launchd": 3, "key": 4, "package": 5, "file": 6, "folder": 7}
REMOVABLE = set(LEFTOVER_ORDER) | {"kext", "receipt", "app"}


# --- preflight --------------------------------------------------------------------------------------
def check_preflight(ctx: Context, step: Step) -> bool:
    return False  # cheap, and the machine may have changed since: always look again


def act_preflight(ctx: Context, step: Step) -> Outcome:
    backend = ctx.backend
    warnings = []
    if not backend.is_elevated():
        return Outcome.failed(
            Text(
                "Offramp needs administrator rights to remove and install security software. "
                "Run it again as an administrator (or with sudo)."
            ),
            exitcodes.NOT_ELEVATED,
        )
    if backend.pending_reboot():
        warnings.append(Text("Windows is waiting for a restart from an earlier update; installers may ask for one too"))
    if backend.is_server():
        warnings.append(
            Text("This is a Server edition: it has no Security Center, so protection is checked by service")
        )
    from offramp.core import paths

    try:
        paths.private_dir(ctx.downloads_dir)
    except (UntrustedFolder, OSError) as exc:
        return Outcome.failed(
            Text(
                "Offramp cannot keep the replacement's installer safely: {problem}. Nothing was changed.",
                problem=str(exc),
            ),
            exitcodes.PREFLIGHT_FAILED,
        )
    need = 2 * int(step.params.get("download_size") or 0) + SAFETY_MARGIN
    free = backend.free_bytes(ctx.downloads_dir)
    if free < need:
        return Outcome.failed(
            Text(
                "Not enough free disk space: {free} MB free, {need} MB needed. Free some space and run Offramp again.",
                free=free // 2**20,
                need=need // 2**20,
            ),
            exitcodes.PREFLIGHT_FAILED,
        )
    stage = next((s for s in ctx.plan.steps if s.kind == "stage"), None)
    if step.params.get("needs_download") and stage and not ctx.options.dry_run and not ctx.options.offline_dir:
        url = str(stage.params.get("url", ""))
        if not _reachable(url):
            return Outcome.failed(
                Text(
                    "Cannot reach {host} to download the replacement. Nothing was changed. Check the network or "
                    "the proxy, then run Offramp again.",
                    host=str(urlsplit(url).hostname),
                ),
                exitcodes.DOWNLOAD_FAILED,
            )
    ready = Text("ready")
    for warning in warnings:  # each one a message of its own, so each is shown in the reader's language
        ready = Text("{before}; {warning}", before=ready, warning=warning)
    return Outcome.done(ready, warnings=warnings)


def _reachable(url: str, timeout: float = 5.0) -> bool:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


# --- data rescue ------------------------------------------------------------------------------------
def check_rescue(ctx: Context, step: Step) -> bool:
    return bool(ctx.step_data(step.id).get("acknowledged"))


def act_rescue(ctx: Context, step: Step) -> Outcome:
    if ctx.policy.data_rescue == "assume-done":
        ctx.step_data(step.id)["acknowledged"] = "policy"
        return Outcome.done(Text("taken care of by the administrator (policy: data_rescue assume-done)"))
    if ctx.ask is None:
        return Outcome.failed(
            Text(
                "'{title}' needs a person to confirm it. Run Offramp interactively, or set "
                "data_rescue: assume-done in the policy.",
                title=step.title,
            ),
            exitcodes.NEEDS_PERSON,
        )
    answer = ctx.ask(Question("acknowledge", step.title, step.detail, warning=step.params.get("warning")))
    if not answer:
        return Outcome("cancelled", Text("not confirmed: {title}", title=step.title), exit_code=exitcodes.CANCELLED)
    ctx.step_data(step.id)["acknowledged"] = "person"
    return Outcome.done(Text("confirmed by the person at the machine"))


# --- staging ----------------------------------------------------------------------------------------
def _staged_path(ctx: Context, step: Step) -> Path:
    name = Path(urlsplit(str(step.params["url"])).path).name or f"{step.params['replacement_id']}.download"
    return ctx.downloads_dir / name


def _download_url(ctx: Context, step: Step) -> str:
    """The URL to fetch: the plan's, with the credentials the plan leaves out taken from the playbook."""
    from offramp.core.urls import without_credentials

    recorded = str(step.params["url"])
    methods = ctx.replacement.install.get(ctx.plan.platform, ()) if ctx.replacement else ()
    for method in methods:
        url = method.details.get("url")
        if isinstance(url, str) and url != recorded and without_credentials(url) == recorded:
            return url
    return recorded


def check_stage(ctx: Context, step: Step) -> bool:
    if step.params.get("method") == "builtin":
        return True
    if step.params.get("method") != "download":
        return bool(ctx.step_data(step.id).get("staged"))
    from offramp.core.migrate.download import verify_file

    path = _staged_path(ctx, step)
    verified = path.exists() and verify_file(path, pinned.expected_sha256(ctx, step.id, step.params))
    if verified and pinned.refusal(ctx, step, path) is None:
        ctx.step_data(step.id)["path"] = str(path)
        return True
    return False


def act_stage(ctx: Context, step: Step) -> Outcome:
    if step.params.get("method") != "download":
        result = ctx.backend.stage_package(step.params, ctx.options.step_timeout)
        if not result.ok:
            return Outcome.failed(
                Text("Could not download the replacement: {problem}. Nothing was removed.", problem=result.message),
                exitcodes.DOWNLOAD_FAILED,
            )
        ctx.step_data(step.id)["staged"] = True
        return Outcome.done(result.message)
    if ctx.options.offline_dir:
        return _stage_offline(ctx, step)
    from offramp.core.migrate.download import DownloadError, download
    from offramp.core.migrate.signer import SignerError

    size = int(step.params["size"])
    index = ctx.plan.steps.index(step)
    total = len(ctx.plan.steps)

    def progress(received: int, expected: int | None) -> None:
        if received:
            ctx.checkpoint()
        fraction = received / (expected or size or 1)
        ctx.progress(
            Text(
                "Downloading {replacement}: {percent}%",
                replacement=ctx.replacement.name if ctx.replacement else "",
                percent=int(fraction * 100),
            ),
            (index + min(fraction, 1.0)) / total,
        )

    try:
        path = download(
            _download_url(ctx, step),
            ctx.downloads_dir,
            sha256=step.params["sha256"],
            max_size=size,
            expected_size=size,
            filename=_staged_path(ctx, step).name,
            progress=progress,
            cancelled=ctx.cancelled,
            allow_loopback_http=ctx.options.allow_loopback_http,
            proxies={"https": ctx.policy.proxy, "http": ctx.policy.proxy} if ctx.policy.proxy else None,
            stall_timeout=ctx.policy.download_stall_seconds,
            vouch=pinned.vouch(ctx, step),
        )
    except SignerError as exc:  # a re-published file that its pinned signer did not sign
        return pinned.signer_failure(ctx, step, _staged_path(ctx, step), exc)
    except (UntrustedFolder, OSError) as exc:
        return Outcome.failed(
            Text("The replacement could not be staged: {problem}. Nothing was removed.", problem=str(exc)),
            exitcodes.DOWNLOAD_FAILED,
        )
    except ValueError as exc:  # a file name or hash a playbook validation would have refused
        message = Text("The replacement's playbook cannot be used: {problem}. Nothing was removed.", problem=str(exc))
        return Outcome.failed(message, exitcodes.USAGE)
    except DownloadError as exc:
        code = {"hash-mismatch": exitcodes.HASH_MISMATCH, "cancelled": exitcodes.CANCELLED}.get(
            exc.kind, exitcodes.DOWNLOAD_FAILED
        )
        status = "cancelled" if exc.kind == "cancelled" else "failed"
        return Outcome(status, Text("{problem} Nothing was removed.", problem=str(exc)), exit_code=code)
    if refused := pinned.refusal(ctx, step, path):
        path.unlink(missing_ok=True)  # like a hash mismatch: nothing unverified stays staged
        return refused
    ctx.step_data(step.id)["path"] = str(path)
    return Outcome.done(Text("downloaded and verified {file}", file=path.name))


def _stage_offline(ctx: Context, step: Step) -> Outcome:
    """The installer from the offline bundle, checked like a download (hash, then signer); no network."""
    from offramp.core.migrate.bundle import BundleError, stage_from
    from offramp.core.migrate.download import verify_file
    from offramp.core.migrate.signer import SignerError

    path = _staged_path(ctx, step)
    try:
        size = step.params.get("size")
        stage_from(
            Path(str(ctx.options.offline_dir)),
            str(step.params["replacement_id"]),
            path,
            max_size=int(size) if size else None,
        )
        if not verify_file(path, pinned.expected_sha256(ctx, step.id, step.params)):
            vouch = pinned.vouch(ctx, step)
            if vouch is None:
                path.unlink()
                return Outcome.failed(
                    Text(
                        "The bundle's {file} does not match the SHA-256 in its playbook; it was not run and "
                        "nothing was removed. Make the bundle again from a current playbook.",
                        file=path.name,
                    ),
                    exitcodes.HASH_MISMATCH,
                )
            vouch(path)
    except BundleError as exc:
        return Outcome.failed(Text("{problem} Nothing was removed.", problem=str(exc)), exc.exit_code)
    except OSError as exc:  # a full disk, or a bundle on a stick pulled out mid-copy
        path.unlink(missing_ok=True)
        return Outcome.failed(
            Text("The replacement could not be staged: {problem}. Nothing was removed.", problem=str(exc)),
            exitcodes.DOWNLOAD_FAILED,
        )
    except SignerError as exc:
        path.unlink(missing_ok=True)
        return pinned.signer_failure(ctx, step, path, exc)
    if refused := pinned.refusal(ctx, step, path):
        path.unlink(missing_ok=True)
        return refused
    ctx.step_data(step.id)["path"] = str(path)
    return Outcome.done(Text("took {file} from the offline bundle and verified it", file=path.name))


# --- removal ----------------------------------------------------------------------------------------
def check_uninstall(ctx: Context, step: Step) -> bool:
    return not ctx.backend.product_present(step.params)


def act_uninstall(ctx: Context, step: Step) -> Outcome:
    if step.needs_person:
        return _person_does_it(ctx, step, Text("removal"), recheck=lambda: not ctx.backend.product_present(step.params))
    result = ctx.backend.uninstall(step.params, ctx.secrets, ctx.options.step_timeout, between=ctx.checkpoint)
    if result.blocked and _ask_passwords(ctx, step):
        result = ctx.backend.uninstall(step.params, ctx.secrets, ctx.options.step_timeout, between=ctx.checkpoint)
    if result.ok:
        if result.reboot in ("required", "started"):
            ctx.state.reboot.pending = True
        return Outcome.done(result.message, data={"code": result.code})
    if result.retry_later:
        return Outcome.failed(
            Text("Another installation is running. Offramp stopped before changing anything more; run it again later."),
            exitcodes.RETRY_LATER,
        )
    if result.code == 1602:
        return Outcome(
            "cancelled", Text("{title}: the uninstaller was cancelled", title=step.title), exit_code=exitcodes.CANCELLED
        )
    if result.blocked:
        env = ", ".join(ctx.policy.password_env.values())
        vendor = ctx.catalogue.part_of(str(step.params.get("product_id", ""))).vendor
        return Outcome.failed(
            Text(
                "{title} was blocked: {problem}. {help} (Offramp reads the passwords from the environment "
                "variables {variables}.)",
                title=step.title,
                problem=result.message,
                help=vendor.blocked_removal_help,
                variables=env,
            ),
            exitcodes.UNINSTALL_BLOCKED,
        )
    if result.timed_out:
        return Outcome.failed(
            Text(
                "{title}: the uninstaller hung and was stopped after {seconds} s. Restart the computer and run "
                "Offramp again.",
                title=step.title,
                seconds=int(ctx.options.step_timeout),
            ),
            exitcodes.UNINSTALL_FAILED,
        )
    return Outcome.failed(
        Text("{title} failed: {problem}", title=step.title, problem=result.message), exitcodes.UNINSTALL_FAILED
    )


def _ask_passwords(ctx: Context, step: Step) -> bool:
    """After a removal was refused: asks the person for the passwords this product may be protected with.
    True when they gave at least one (so the removal is tried again); False when they said there is none,
    or when no one can be asked."""
    from offramp.core.migrate.secrets import LABELS, needed_for

    if ctx.prompt_secret is None or ctx.options.silent:
        return False
    missing = sorted(needed_for([step.params]) - set(ctx.secrets))
    given = False
    for key in missing:
        value = ctx.prompt_secret(LABELS[key], key.endswith("password"))
        if value:
            ctx.secrets[key] = value
            given = given or key.endswith("password")
    return given


def _person_does_it(ctx: Context, step: Step, what: str, recheck: Callable[[], bool]) -> Outcome:
    if ctx.ask is None:
        return Outcome.failed(
            Text(
                "{title}: this {what} needs a person at the machine ({detail}).",
                title=step.title,
                what=what,
                detail=step.detail,
            ),
            exitcodes.NEEDS_PERSON,
            to_do=[Text("{title}: {detail}", title=step.title, detail=step.detail)],
        )
    url = step.params.get("url")
    answer = ctx.ask(Question("open-url" if url else "confirm", step.title, step.detail, url=url))
    if not answer:
        return Outcome("cancelled", Text("not done: {title}", title=step.title), exit_code=exitcodes.CANCELLED)
    if not recheck():
        return Outcome.failed(
            Text("{title}: Offramp still sees it on this machine.", title=step.title), exitcodes.FAILURE
        )
    return Outcome.done(Text("done by the person at the machine"))


# --- restart ----------------------------------------------------------------------------------------
def check_reboot(ctx: Context, step: Step) -> bool:
    reboot = ctx.state.reboot
    if reboot.requested_boot_id and reboot.requested_boot_id != ctx.backend.boot_id():
        return True
    return step.params.get("when") == "maybe" and not reboot.pending


def reboot_already(ctx: Context, step: Step) -> Outcome:
    """What a restart step that need not act was: a restart that happened, or none that was needed."""
    requested = ctx.state.reboot.requested_boot_id
    if requested and requested != ctx.backend.boot_id():
        return Outcome.done(Text("the computer restarted"))
    return Outcome("skipped", Text("not needed: no removal asked for a restart"))


def act_reboot(ctx: Context, step: Step) -> Outcome:
    from offramp.core.platform.windows import executable_argv

    argv = [*executable_argv(), "resume"] + (["--silent"] if ctx.options.silent else [])
    try:
        ctx.state.reboot.resume_registered = ctx.backend.register_resume(argv)
    except OSError as exc:
        return Outcome.failed(
            Text(
                "Offramp could not register itself to carry on after the restart ({problem}); restart the computer "
                "and run 'offramp resume' by hand.",
                problem=str(exc),
            ),
            exitcodes.FAILURE,
        )
    ctx.state.reboot.requested_boot_id = ctx.backend.boot_id()
    if ctx.options.silent and ctx.policy.reboot_allowed:
        result = ctx.backend.request_reboot()
        if result.ok:
            return Outcome(
                "waiting", Text("restart started; Offramp carries on after it"), exit_code=exitcodes.REBOOT_STARTED
            )
    if ctx.ask is not None and ctx.ask(Question("reboot", step.title, step.detail)):
        result = ctx.backend.request_reboot()
        if result.ok:
            return Outcome(
                "waiting", Text("restart started; Offramp carries on after it"), exit_code=exitcodes.REBOOT_STARTED
            )
    return Outcome(
        "waiting", Text("a restart is needed; Offramp carries on after it"), exit_code=exitcodes.REBOOT_REQUIRED
    )


# --- clean-up, install, verify, rescan -----------------------------------------------------------------
def act_cleanup(ctx: Context, step: Step) -> Outcome:
    findings = ctx.scan_again()
    leftovers = sorted(findings.leftovers, key=lambda item: LEFTOVER_ORDER.get(item.kind, 99))
    removable = [item for item in leftovers if item.kind in REMOVABLE]
    kept = [f"{item.kind} {item.name}" for item in leftovers if item.kind not in REMOVABLE]
    # A probable leftover (a file known only by its name) waits for a person, or a policy that lets it go.
    agreed = set(step.params.get("leftovers", ()))
    unsure = [
        item
        for item in removable
        if item.certainty != "certain" and not ctx.policy.remove_probable and f"{item.kind} {item.name}" not in agreed
    ]
    removable = [item for item in removable if item not in unsure]
    kept += [Text("{kind} {name} (probable: nobody confirmed it)", kind=item.kind, name=item.name) for item in unsure]
    if removable and not _may_remove(ctx, removable):
        reported = [f"{item.kind} {item.name}" for item in removable]
        ctx.journal.append(
            "cleanup.reported", leftovers=reported, policy=ctx.policy.leftovers, chosen=ctx.options.leftovers
        )
        return Outcome.done(
            PluralText(
                "{n} leftover reported, none removed: the person at the machine chose to keep it",
                "{n} leftovers reported, none removed: the person at the machine chose to keep them",
                len(reported),
            )
            if ctx.options.leftovers == "keep"
            else PluralText(
                "{n} leftover reported, none removed: nobody confirmed their removal (a policy with "
                "'leftovers: {{silent: remove}}' lets Offramp remove them)",
                "{n} leftovers reported, none removed: nobody confirmed their removal (a policy with "
                "'leftovers: {{silent: remove}}' lets Offramp remove them)",
                len(reported),
            )
            if ctx.options.silent
            else PluralText(
                "{n} leftover reported, none removed: nobody confirmed their removal",
                "{n} leftovers reported, none removed: nobody confirmed their removal",
                len(reported),
            ),
            data={"removed": [], "kept": kept, "reported": reported},
            to_do=[_by_hand(item) for item in reported + kept],  # the same words as the rescan's
        )
    removed: list[str] = []
    for leftover in removable:
        label = f"{leftover.kind} {leftover.name}"
        ctx.journal.append("cleanup.remove", kind=leftover.kind, name=leftover.name, product=leftover.product_id)
        result = ctx.backend.remove_leftover(leftover.kind, _target(leftover), _named_by_catalogue(ctx, leftover))
        # What each removal was (path, type, size) and what was kept and why: the journal keeps both.
        ctx.journal.append(
            "cleanup.removed" if result.ok else "cleanup.kept",
            kind=leftover.kind,
            name=leftover.name,
            message=result.message,
            deletions=result.data.get("deletions", []),
        )
        (removed if result.ok else kept).append(label if result.ok else f"{label} ({result.message})")
    # Counted words, never "leftover(s)": people read these messages in the report.
    message: Text = PluralText("removed {n} leftover", "removed {n} leftovers", len(removed))
    if kept:
        message = Text("{removed}; could not remove {kept}", removed=message, kept=len(kept))
    return Outcome.done(message, data={"removed": removed, "kept": kept}, to_do=[_by_hand(item) for item in kept])


def _by_hand(item: str) -> Text:
    return Text("Remove by hand: {item}", item=item)


def _may_remove(ctx: Context, leftovers: list[Any]) -> bool:
    """The catalogue says a person confirms before leftovers go: the answer they gave before the run (the wizard's
    "Ready to remove" page asks), else their answer now; silent mode has nobody, so the policy decides."""
    if ctx.options.leftovers is not None:
        return ctx.options.leftovers == "remove"
    if ctx.policy.leftovers == "remove":
        return True
    if ctx.ask is None or ctx.options.silent:
        return False
    listing = "\n".join(f"{item.kind} {item.name}" for item in leftovers)
    return bool(
        ctx.ask(
            Question(
                "delete",
                Text("Remove what the uninstallers left behind?"),
                Text("These belong to the banned product and are no longer needed:\n{listing}", listing=listing),
                warning=Text("Files you keep in these folders yourself are never deleted."),
            )
        )
    )


_NAME_COLUMNS = ("path", "name", "id", "key", "label", "identifier", "bundle_identifier", "package_id")
# Leftovers named by a label or bundle id whose file is what goes: the row that matched says where it is.
_BY_PATH = ("launchd", "app", "kext")


def _target(leftover: Any) -> str:
    if leftover.kind in _BY_PATH:
        return next((str(e.row["path"]) for e in leftover.evidence if e.row.get("path")), leftover.name)
    return str(leftover.name)


def _named_by_catalogue(ctx: Context, leftover: Any) -> Callable[[str], bool]:
    """True for a name one of the leftover's own product signatures names (exactly, by pattern, or below a folder)."""
    from offramp.core.scan.matching import match_value, publisher_set

    product = next((p for p in ctx.catalogue.products if p.id == leftover.product_id), None)
    publishers = publisher_set(ctx.catalogue.vendor.publisher_names)
    matchers = [
        matcher
        for sig in (product.detect.get(ctx.plan.platform, []) if product else [])
        for column, matcher in sig["where"].items()
        if column in _NAME_COLUMNS and not (isinstance(matcher, dict) and matcher.get("vendor"))
    ]
    # The file of a row a signature matched (a launchd job found by its label) is named through that row.
    matched = {str(e.row["path"]) for e in leftover.evidence if leftover.kind in _BY_PATH and e.row.get("path")}
    return lambda name: name in matched or any(match_value(name, matcher, publishers) for matcher in matchers)


def check_install(ctx: Context, step: Step) -> bool:
    verify = ctx.replacement.verify.get(ctx.plan.platform, {}) if ctx.replacement else {}
    return step.params.get("method") != "builtin" and ctx.backend.replacement_present(verify)


def act_install(ctx: Context, step: Step) -> Outcome:
    verify = ctx.replacement.verify.get(ctx.plan.platform, {}) if ctx.replacement else {}
    if step.needs_person:
        return _person_does_it(ctx, step, Text("installation"), recheck=lambda: ctx.backend.replacement_present(verify))
    if step.params.get("method") == "download":
        from offramp.core.migrate.sealed import SealError, sealed_copy

        stage_id = f"stage.{step.params['replacement_id']}"
        staged = Path(ctx.step_data(stage_id).get("path", ""))
        # Checked again right before it runs, on a private copy that is what runs: the file sat on disk
        # while the old product was removed, and nobody may swap it between the check and the use.
        try:
            expected = pinned.expected_sha256(ctx, stage_id, step.params)
            with sealed_copy(staged, expected, ctx.downloads_dir.parent / "run") as runnable:
                if refused := pinned.refusal(ctx, step, runnable):
                    return refused
                result = ctx.backend.install(step.params, runnable, ctx.options.step_timeout)
        except SealError as exc:
            return Outcome.failed(str(exc), exitcodes.HASH_MISMATCH)
        except (OSError, UntrustedFolder) as exc:
            return Outcome.failed(
                Text(
                    "The staged installer could not be prepared to run ({problem}); nothing was run. "
                    "Run Offramp again to download it afresh.",
                    problem=str(exc),
                ),
                exitcodes.HASH_MISMATCH,
            )
    else:
        result = ctx.backend.install(step.params, None, ctx.options.step_timeout)
    if result.ok:
        return Outcome.done(result.message)
    if result.retry_later:
        return Outcome.failed(Text("Another installation is running; run Offramp again later."), exitcodes.RETRY_LATER)
    return Outcome.failed(
        Text(
            "Installing {replacement} failed: {problem}",
            replacement=ctx.replacement.name if ctx.replacement else "",
            problem=result.message,
        ),
        exitcodes.INSTALL_FAILED,
    )


def act_verify(ctx: Context, step: Step) -> Outcome:
    assert ctx.replacement is not None
    result = ctx.backend.verify(ctx.replacement.verify.get(ctx.plan.platform, {}))
    checks = [{"check": name, "passed": passed, "detail": detail} for name, passed, detail in result.checks]
    if not result.installed:
        return Outcome.failed(
            Text(
                "{replacement} is not installed correctly: {problems}",
                replacement=ctx.replacement.name,
                problems="; ".join(f"{c['check']}: {c['detail']}" for c in checks if c["passed"] is False),
            ),
            exitcodes.NOT_PROTECTING,
            data={"checks": checks},
        )
    if result.protecting is False:
        return Outcome.failed(
            Text("{replacement} is installed but not protecting this computer yet.", replacement=ctx.replacement.name),
            exitcodes.NOT_PROTECTING,
            data={"checks": checks},
        )
    note = (
        Text("{replacement}: protecting", replacement=ctx.replacement.name)
        if result.protecting
        else Text(
            "{replacement}: installed (this system cannot report whether it is protecting)",
            replacement=ctx.replacement.name,
        )
    )
    data: dict[str, Any] = {"checks": checks, "protecting": result.protecting}
    hint = ctx.replacement.verify.get(ctx.plan.platform, {}).get("how_to_check")
    if hint and not result.protecting:
        data["how_to_check"] = Text(hint)  # what the person opens to see for themselves, in the playbook's words
    return Outcome.done(note, data=data)


def act_rescan(ctx: Context, step: Step) -> Outcome:
    findings = ctx.scan_again()
    removed_ids = {s.params["product_id"] for s in ctx.plan.steps if s.kind == "uninstall"}
    still = [p for p in findings.installed if p.product_id in removed_ids]
    data = {
        "verdict": findings.verdict,
        "installed": [p.product_id for p in findings.installed],
        "leftovers": [f"{item.kind} {item.name}" for item in findings.leftovers],
    }
    if still:
        return Outcome.failed(
            Text("Still found after removal: {products}", products=", ".join(p.name for p in still)),
            exitcodes.STILL_FOUND,
            data=data,
        )
    to_do = [_by_hand(item) for item in data["leftovers"]]
    return Outcome.done(
        PluralText(
            "nothing banned is left; {n} leftover remains", "nothing banned is left; {n} leftovers remain", len(to_do)
        )
        if to_do
        else Text("nothing banned is left"),
        data=data,
        to_do=to_do,
    )


def act_report(ctx: Context, step: Step) -> Outcome:
    from offramp.core.migrate.report import write_report

    path = write_report(ctx)
    return Outcome.done(Text("report written to {path}", path=str(path)), data={"path": str(path)})


def never_done(ctx: Context, step: Step) -> bool:
    return False


def verified_already(message: str) -> Callable[[Context, Step], Outcome]:
    """The outcome of a step whose check proved its work was already done (what the check saw, in words)."""
    return lambda ctx, step: Outcome.done(message)


# What a step whose check passed comes to: for most kinds the check verified the work ("done"); a restart
# that was never needed is "skipped", so no one reads a tick as "the computer restarted".
ALREADY: dict[str, Callable[[Context, Step], Outcome]] = {
    "preflight": verified_already(Text("already checked")),
    "rescue": verified_already(Text("already confirmed")),
    "stage": lambda ctx, step: (
        # Nothing was looked at for a replacement that is part of the system: not a tick, a skip; the
        # verify step after the removal is what checks it.
        Outcome("skipped", Text("not needed: it is part of the system; Offramp checks it after the removal"))
        if step.params.get("method") == "builtin"
        else Outcome.done(Text("already downloaded and checked"))
    ),
    "uninstall": verified_already(Text("already removed: the system no longer lists it")),
    "reboot": reboot_already,
    "install": verified_already(Text("already installed: the system lists it")),
}


KINDS: dict[str, tuple[Callable[[Context, Step], bool], Callable[[Context, Step], Outcome]]] = {
    "preflight": (check_preflight, act_preflight),
    "rescue": (check_rescue, act_rescue),
    "stage": (check_stage, act_stage),
    "uninstall": (check_uninstall, act_uninstall),
    "reboot": (check_reboot, act_reboot),
    "cleanup": (never_done, act_cleanup),
    "install": (check_install, act_install),
    "verify": (never_done, act_verify),
    "rescan": (never_done, act_rescan),
    "report": (never_done, act_report),
}
