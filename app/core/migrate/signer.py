"""Checking who signed an installer against the signer its playbook pins, before anything runs it.

A SHA-256 proves the file is the one the playbook's author saw; a pinned signer proves who published
it, and lets a policy accept a re-published installer (new hash, same publisher). Two kinds of pin:

* ``authenticode`` (Windows .exe/.msi): the signing certificate's subject attributes, optionally the
  issuers above it (nearest first) and a list of accepted certificate SHA-256 thumbprints. Checked
  offline with signify on any OS, so Linux tests prove it; the chain must reach a trusted root
  (Microsoft's program list by default), be valid now, carry the code-signing usage, and not be revoked
  according to the CRLs handed in (nothing is fetched).
* ``developer_id_team`` (macOS .pkg): the Apple Developer ID team. Checked with ``pkgutil
  --check-signature``, which only exists on macOS; elsewhere the check refuses ("cannot-check")
  rather than passing, since an unchecked pin is no pin.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["KINDS", "SignerError", "Trust", "check_signer", "describe_pin"]

KINDS = frozenset({"unsigned", "bad-signature", "untrusted", "expired", "revoked", "wrong-signer", "cannot-check"})


class SignerError(Exception):
    """An installer whose signature does not satisfy the pin; ``kind`` is one of ``KINDS``."""

    def __init__(self, kind: str, message: str) -> None:
        assert kind in KINDS, kind
        super().__init__(message)
        self.kind = kind

    @property
    def message(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Trust:
    """What signatures are checked against: ``roots`` (a PEM bundle) replaces the default root program,
    for a private PKI or a test CA; ``crls`` are PEM or DER revocation lists, used offline."""

    roots: Path | None = None
    crls: tuple[Path, ...] = ()


def describe_pin(pin: Mapping[str, Any]) -> str:
    if "authenticode" in pin:
        return "Authenticode publisher " + _dn(pin["authenticode"]["subject"])
    return f"Developer ID team {pin.get('developer_id_team')}"


def check_signer(path: Path, pin: Mapping[str, Any], *, trust: Trust = Trust()) -> str:
    """Returns who signed ``path`` (for the report) when it satisfies ``pin``; raises SignerError otherwise."""
    if "authenticode" in pin:
        return _check_authenticode(Path(path), pin["authenticode"], trust)
    if "developer_id_team" in pin:
        return _check_developer_id(Path(path), str(pin["developer_id_team"]))
    raise ValueError(f"a signer pin names authenticode or developer_id_team, got {sorted(pin)}")


# --- Authenticode -----------------------------------------------------------------------------------


def _dn(attributes: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in attributes.items())


def _matches(name: Mapping[str, Any], wanted: Mapping[str, str]) -> bool:
    return all(str(name.get(key, "")) == value for key, value in wanted.items())


def _load_crls(paths: Sequence[Path]) -> list[Any]:
    import asn1crypto.crl  # type: ignore[import-untyped]  # comes with signify; has no type information
    import asn1crypto.pem  # type: ignore[import-untyped]

    crls = []
    for path in paths:
        data = Path(path).read_bytes()
        if asn1crypto.pem.detect(data):
            crls += [asn1crypto.crl.CertificateList.load(der) for _t, _h, der in asn1crypto.pem.unarmor(data, True)]
        else:
            crls.append(asn1crypto.crl.CertificateList.load(data))
    return crls


def _verify_chains(path: Path, trust: Trust) -> list[list[Any]]:
    """The valid certificate chains (root first, signer last) of the file's Authenticode signature."""
    from offramp.core.migrate import oscrypto_fix

    oscrypto_fix.apply()  # before signify imports oscrypto: see that module
    from signify.authenticode import AuthenticodeFile
    from signify.exceptions import (
        AuthenticodeInvalidDigestError,
        AuthenticodeNotSignedError,
        CertificateVerificationError,
        SignifyError,
    )
    from signify.x509 import FileSystemCertificateStore

    options: dict[str, Any] = {}
    if trust.roots is not None:
        options["trusted_certificate_store"] = FileSystemCertificateStore(trust.roots, trusted=True)
    if trust.crls:
        # hard-fail: a certificate that names a CRL distribution point must be found in good standing
        # in the CRLs given; allow_fetching stays off (the default), so nothing goes on the network.
        options["verification_context_kwargs"] = {"crls": _load_crls(trust.crls), "revocation_mode": "hard-fail"}
    try:
        with open(path, "rb") as handle:
            try:
                signed = AuthenticodeFile.from_stream(handle)
            except SignifyError:
                raise SignerError(
                    "unsigned", "it carries no Authenticode signature (it is not a Windows executable or installer)"
                ) from None
            results = signed.verify(**options)
            return [list(chain) for _data, _indirect, chains in results for chain in chains]
    except AuthenticodeNotSignedError:
        raise SignerError("unsigned", "it carries no Authenticode signature") from None
    except AuthenticodeInvalidDigestError:
        raise SignerError(
            "bad-signature", "its signature does not cover its contents: the file was changed after signing"
        ) from None
    except CertificateVerificationError as exc:
        text = str(exc)
        if "expired" in text or "not valid until" in text:
            raise SignerError("expired", f"the signing certificate is not valid now ({_tail(text)})") from None
        if "revoked" in text:
            raise SignerError("revoked", f"the signing certificate was revoked ({_tail(text)})") from None
        raise SignerError("untrusted", f"its certificate chain does not reach a trusted root ({_tail(text)})") from None
    except (SignifyError, ValueError, OSError) as exc:
        raise SignerError("bad-signature", f"its signature could not be read or checked ({_tail(str(exc))})") from None


def _tail(text: str) -> str:
    # certvalidator's messages start with the whole certificate description; the reason is at the end.
    reason = text.rsplit(" failed: ", 1)[-1]
    return reason if len(reason) <= 200 else reason[:197] + "..."


def _check_authenticode(path: Path, pin: Mapping[str, Any], trust: Trust) -> str:
    chains = _verify_chains(path, trust)
    wanted_subject = pin["subject"]
    issuers: list[Mapping[str, str]] = list(pin.get("issuers", ()))
    thumbprints = {t.lower() for t in pin.get("sha256", ())}
    seen = []
    for chain in chains:
        signer = chain[-1]
        subject = signer.subject.asn1.native
        seen.append(_dn(subject))
        above = [cert.subject.asn1.native for cert in reversed(chain[:-1])]
        if not _matches(subject, wanted_subject):
            continue
        if len(above) < len(issuers) or not all(_matches(a, w) for a, w in zip(above, issuers, strict=False)):
            continue
        if thumbprints and signer.sha256_fingerprint.lower() not in thumbprints:
            continue
        return _dn(subject)
    expected = _dn(wanted_subject) + (" under " + " / ".join(_dn(i) for i in issuers) if issuers else "")
    if thumbprints:
        expected += " with one of the pinned certificate thumbprints"
    raise SignerError("wrong-signer", f"it is signed by {'; '.join(seen) or 'nobody'}, not by {expected}")


# --- Developer ID (macOS packages) ------------------------------------------------------------------

_TEAM = re.compile(r"Developer ID Installer: .*\(([A-Z0-9]{10})\)")


def _check_developer_id(path: Path, team: str) -> str:
    pkgutil = shutil.which("pkgutil")
    if pkgutil is None:
        raise SignerError("cannot-check", "pkgutil, which checks macOS package signatures, is not on this system")
    result = subprocess.run(
        [pkgutil, "--check-signature", str(path)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    if "no signature" in result.stdout.lower():
        raise SignerError("unsigned", "the package carries no signature")
    if result.returncode != 0:
        raise SignerError("untrusted", f"pkgutil rejected its signature ({result.stdout.strip()[:200]})")
    found = _TEAM.search(result.stdout)
    if not found:
        raise SignerError("wrong-signer", "it is not signed with a Developer ID Installer certificate")
    if found.group(1) != team:
        raise SignerError("wrong-signer", f"it is signed by team {found.group(1)}, not by team {team}")
    return found.group(0)
