"""Signed Windows executables for the signer-pinning tests, made with the real tools: openssl and osslsigncode.

A test CA (``openssl ca``, so certificates can have dates in the past and can be revoked with a CRL)
issues code-signing certificates; a tiny PE built with mingw-w64 is signed with ``osslsigncode``.
Everything lives in a temporary folder; nothing touches the host's trust stores.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

TOOLS = ("openssl", "osslsigncode", "x86_64-w64-mingw32-gcc")

_CA_CONFIG = """\
[ca]
default_ca = test_ca
[test_ca]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/issued
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
default_crl_days = 3650
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
organizationName = optional
countryName = optional
[root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[codesign]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
# A distribution point makes verifiers consult the CRL; tests hand the CRL over offline.
crlDistributionPoints = URI:http://crl.invalid/test.crl
"""


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def _run(*argv: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(a) for a in argv], cwd=cwd, check=True, capture_output=True, stdin=subprocess.DEVNULL)


@dataclass(frozen=True)
class TestCA:
    """A root CA in ``folder``: ``ca.pem`` is what a test trusts, ``crl.pem`` its revocation list."""

    folder: Path

    @property
    def root(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def crl(self) -> Path:
        return self.folder / "crl.pem"

    @classmethod
    def create(cls, folder: Path, name: str) -> TestCA:
        folder.mkdir(parents=True)
        (folder / "issued").mkdir()
        (folder / "index.txt").write_text("")
        (folder / "serial").write_text("1000\n")
        (folder / "crlnumber").write_text("1000\n")
        (folder / "ca.cnf").write_text(_CA_CONFIG.format(dir=folder))
        _run("openssl", "genrsa", "-out", folder / "ca.key", "2048")
        _run(
            "openssl", "req", "-new", "-x509", "-key", folder / "ca.key", "-out", folder / "ca.pem",
            "-subj", f"/CN={name}/O=Offramp Test PKI", "-days", "3650", "-set_serial", "1",
            "-config", folder / "ca.cnf", "-extensions", "root",
        )  # fmt: skip
        ca = cls(folder)
        ca.publish_crl()
        return ca

    def issue(self, name: str, subject: str, *, start: str | None = None, end: str | None = None) -> Path:
        """A code-signing key and certificate (``<name>.key``, ``<name>.pem``); dates as YYYYMMDDHHMMSSZ."""
        key, csr, cert = (self.folder / f"{name}.{ext}" for ext in ("key", "csr", "pem"))
        _run("openssl", "genrsa", "-out", key, "2048")
        _run("openssl", "req", "-new", "-key", key, "-out", csr, "-subj", subject)
        dates = ["-startdate", start] if start else []
        dates += ["-enddate", end] if end else ["-days", "3650"]
        _run(
            "openssl", "ca", "-batch", "-config", self.folder / "ca.cnf", "-extensions", "codesign",
            "-in", csr, "-out", cert, "-notext", *dates,
        )  # fmt: skip
        return cert

    def revoke(self, cert: Path) -> None:
        _run("openssl", "ca", "-config", self.folder / "ca.cnf", "-revoke", cert)
        self.publish_crl()

    def publish_crl(self) -> None:
        _run("openssl", "ca", "-config", self.folder / "ca.cnf", "-gencrl", "-out", self.crl)


def build_pe(out: Path) -> Path:
    """A minimal valid 64-bit Windows executable (it returns 0)."""
    source = out.with_suffix(".c")
    source.write_text("int main(void) { return 0; }\n")
    _run("x86_64-w64-mingw32-gcc", "-Os", "-s", "-o", out, source)
    return out


def sign(unsigned: Path, out: Path, cert: Path, *, description: str = "Offramp test installer") -> Path:
    """``unsigned`` signed with ``cert`` (its key beside it) into ``out``, with no timestamp."""
    _run(
        "osslsigncode", "sign", "-certs", cert, "-key", cert.with_suffix(".key"), "-h", "sha256",
        "-n", description, "-in", unsigned, "-out", out,
    )  # fmt: skip
    return out
