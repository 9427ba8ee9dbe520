"""Signer pinning against real Authenticode signatures: a test CA, osslsigncode and signify, all offline.

The attack matrix: each case is a file an attacker or an accident could put where the installer should
be, with the verdict Offramp must reach. The class prints how many it tried and how many were judged right.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from offramp.core.migrate.signer import SignerError, Trust, check_signer
from tests.support import authenticode, matrix

pytestmark = pytest.mark.skipif(bool(authenticode.missing_tools()), reason="needs openssl, osslsigncode, mingw-w64")

PUBLISHER = "/CN=Example Security Ltd/O=Example Security Ltd/C=GB"
PIN = {"subject": {"common_name": "Example Security Ltd", "organization_name": "Example Security Ltd"}}


class Bed:
    """A trusted test CA, an untrusted one, and installers signed every way that matters."""

    def __init__(self, folder: Path) -> None:
        self.ca = authenticode.TestCA.create(folder / "ca", "Offramp Test Root")
        rogue = authenticode.TestCA.create(folder / "rogue", "Offramp Test Root")  # same name, other key
        plain = authenticode.build_pe(folder / "plain.exe")
        self.files = {"unsigned": plain}
        good = self.ca.issue("good", PUBLISHER)
        self.good_cert = good
        self.files["right"] = authenticode.sign(plain, folder / "right.exe", good)
        other = self.ca.issue("other", "/CN=Someone Else Ltd/O=Someone Else Ltd/C=GB")
        self.files["wrong"] = authenticode.sign(plain, folder / "wrong.exe", other)
        old = self.ca.issue("old", PUBLISHER, start="20200101000000Z", end="20210101000000Z")
        self.files["expired"] = authenticode.sign(plain, folder / "expired.exe", old)
        self.files["untrusted-root"] = authenticode.sign(
            plain, folder / "rogue.exe", rogue.issue("imposter", PUBLISHER)
        )
        revoked = self.ca.issue("revoked", PUBLISHER)
        self.files["revoked"] = authenticode.sign(plain, folder / "revoked.exe", revoked)
        self.ca.revoke(revoked)
        tampered = folder / "tampered.exe"
        data = bytearray(self.files["right"].read_bytes())
        data[0x600] ^= 0xFF  # inside the code section, which the signature's digest covers
        tampered.write_bytes(bytes(data))
        self.files["tampered"] = tampered
        self.trust = Trust(roots=self.ca.root, crls=(self.ca.crl,))

    def thumbprint(self) -> str:
        from offramp.core.migrate.signer import _verify_chains

        return str(_verify_chains(self.files["right"], self.trust)[0][-1].sha256_fingerprint)


@pytest.fixture(scope="module")
def bed(tmp_path_factory: pytest.TempPathFactory) -> Bed:
    return Bed(tmp_path_factory.mktemp("authenticode"))


def _verdict(path: Path, pin: dict[str, Any], trust: Trust) -> str:
    try:
        check_signer(path, {"authenticode": pin}, trust=trust)
    except SignerError as exc:
        return exc.kind
    return "accepted"


class TestSignerMatrix:
    def test_every_case_gets_the_right_verdict(self, bed: Bed, request: pytest.FixtureRequest) -> None:
        thumb = bed.thumbprint()
        cases: list[tuple[str, Path, dict[str, Any], str]] = [
            ("right signer", bed.files["right"], PIN, "accepted"),
            (
                "right signer, issuer pinned",
                bed.files["right"],
                {**PIN, "issuers": [{"common_name": "Offramp Test Root"}]},
                "accepted",
            ),
            ("right signer, thumbprint pinned", bed.files["right"], {**PIN, "sha256": [thumb.upper()]}, "accepted"),
            ("wrong signer", bed.files["wrong"], PIN, "wrong-signer"),
            ("unsigned", bed.files["unsigned"], PIN, "unsigned"),
            ("expired certificate", bed.files["expired"], PIN, "expired"),
            ("tampered after signing", bed.files["tampered"], PIN, "bad-signature"),
            ("signed under an untrusted root", bed.files["untrusted-root"], PIN, "untrusted"),
            ("revoked certificate (offline CRL)", bed.files["revoked"], PIN, "revoked"),
            (
                "issuer pinned, signed under another issuer",
                bed.files["right"],
                {**PIN, "issuers": [{"common_name": "Other CA"}]},
                "wrong-signer",
            ),
            (
                "thumbprint pinned, another certificate of the same publisher",
                bed.files["right"],
                {**PIN, "sha256": ["0" * 64]},
                "wrong-signer",
            ),
        ]
        failures = []
        for name, path, pin, expected in cases:
            got = _verdict(path, pin, bed.trust)
            if got != expected:
                failures.append(f"{name}: expected {expected}, got {got}")
        refused = sum(1 for *_rest, expected in cases if expected != "accepted")
        matrix.report(request.config, f"signer (refusals expected: {refused})", len(cases), failures)
        assert not failures

    def test_without_the_crl_a_revoked_certificate_is_not_known_to_be_revoked(self, bed: Bed) -> None:
        # Shows the CRL case above is decided by the CRL, not by something else about that file.
        assert _verdict(bed.files["revoked"], PIN, Trust(roots=bed.ca.root)) == "accepted"

    def test_the_default_root_program_does_not_trust_the_test_ca(self, bed: Bed) -> None:
        assert _verdict(bed.files["right"], PIN, Trust()) == "untrusted"

    def test_the_refusal_names_who_signed_it(self, bed: Bed) -> None:
        with pytest.raises(SignerError) as caught:
            check_signer(bed.files["wrong"], {"authenticode": PIN}, trust=bed.trust)
        assert "Someone Else Ltd" in caught.value.message and "Example Security Ltd" in caught.value.message

    def test_a_developer_id_pin_refuses_where_pkgutil_is_missing(
        self, bed: Bed, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("shutil.which", lambda _name: None)
        with pytest.raises(SignerError) as caught:
            check_signer(bed.files["right"], {"developer_id_team": "ABCDE12345"})
        assert caught.value.kind == "cannot-check"
