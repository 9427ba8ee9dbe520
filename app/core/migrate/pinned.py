"""What the stage and install steps ask about a staged installer: the hash to expect and whether its signer passes.

A playbook that pins the installer's signer (schema: ``$defs/signer``) gets the signer checked after the
download and again right before the installer runs, so a file swapped in between is caught too. When
the policy allows it (``installers.accept_new_hash_if_signed``), a download whose hash differs is kept
if the pinned signer signed it, and its actual hash becomes the one the install step checks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from offramp.core import exitcodes
from offramp.core.migrate.context import Context
from offramp.core.migrate.outcome import Outcome
from offramp.core.migrate.plan import Step

if TYPE_CHECKING:  # signer pulls in signify: imported only when a playbook pins a signer
    from offramp.core.migrate.signer import SignerError, Trust


def expected_sha256(ctx: Context, step_id: str, params: dict[str, Any]) -> str:
    """The playbook's hash, or the one a re-published, signer-vouched download was accepted under."""
    return str(ctx.step_data(step_id).get("sha256") or params["sha256"])


def _trust(ctx: Context) -> Trust:
    from offramp.core.migrate.signer import Trust

    roots = Path(ctx.options.trust_roots) if ctx.options.trust_roots else None
    return Trust(roots=roots, crls=tuple(Path(p) for p in ctx.options.trust_crls))


def refusal(ctx: Context, step: Step, path: Path) -> Outcome | None:
    """None when the playbook pins no signer or ``path`` is signed by it; otherwise the failed outcome."""
    pin = step.params.get("signer")
    if not pin:
        return None
    from offramp.core.migrate.signer import SignerError, check_signer

    try:
        who = check_signer(path, pin, trust=_trust(ctx))
    except SignerError as exc:
        return signer_failure(ctx, step, path, exc)
    ctx.step_data(step.id)["signer"] = who
    return None


def signer_failure(ctx: Context, step: Step, path: Path, exc: SignerError) -> Outcome:
    from offramp.core.migrate.signer import describe_pin

    ctx.journal.append("stage.signer-refused", kind=exc.kind, reason=exc.message, path=str(path))
    return Outcome.failed(
        f"The installer {path.name} was refused: the playbook requires it to be signed by "
        f"{describe_pin(step.params['signer'])}, but {exc.message}. It was not run and nothing was removed; "
        "do not install it by hand. If the vendor changed how it signs its installers, the playbook needs updating.",
        exitcodes.SIGNER_MISMATCH,
    )


def vouch(ctx: Context, step: Step) -> Callable[[Path], str] | None:
    """For download(): accepts a differing hash when the policy allows it and the pinned signer signed the file."""
    pin = step.params.get("signer")
    if not pin or not ctx.policy.accept_new_hash_if_signed:
        return None
    from offramp.core.migrate.signer import check_signer

    def accept(path: Path) -> str:
        who = check_signer(path, pin, trust=_trust(ctx))  # a SignerError refuses the file
        actual = _sha256(path)
        ctx.step_data(step.id)["sha256"] = actual
        ctx.journal.append("stage.new-hash-accepted", playbook_sha256=step.params["sha256"], sha256=actual, signer=who)
        return who

    return accept


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()
