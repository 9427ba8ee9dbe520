"""Secrets stay secret: no OFFRAMP_* variable reaches a child (nor a replacement's install script run by a
real dpkg), every form of a password a tool may echo is masked in what Offramp keeps, a password too
short to mask is refused, URL credentials are never recorded, and password files must be owner-only."""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

import pytest

from offramp.core import eventlog
from offramp.core.data.policy import Policy
from offramp.core.migrate.secrets import SecretsError, gather
from offramp.core.platform import commands
from offramp.core.platform.linux import LinuxBackend
from tests.conftest import run_cli
from tests.matrix.tally import Tally
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import PackageSpec, build_deb
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed import DpkgRoot
    from tests.support.pkgbed_fixtures import BuiltPackages

PASSWORDS = ["S3cret-Pa55word!", "abcd", "Pässwörd-ünï", "p@ss w0rd&x=1/+", "KLAdmin-2024"]
OFFRAMP_VARS = {
    "OFFRAMP_KES_PASSWORD": "Kes-Secret-77",
    "OFFRAMP_KES_LOGIN": "KLAdmin",
    "OFFRAMP_NETWORK_AGENT_PASSWORD": "Agent-Secret-88",
    "offramp_lower_case": "lower-secret",
    "OFFRAMP_HOME_NOT_A_SECRET_BUT_OURS": "x",
}
ECHO = "import sys; sys.stdout.write(sys.argv[1]); sys.stderr.write(sys.argv[1])"


def _b64_inside(text: str, secret: str, encoding: str) -> str:
    return base64.b64encode((text + secret + " tail").encode(encoding)).decode("ascii")


def _forms(secret: str) -> dict[str, str]:
    forms = {
        "as is": secret,
        "upper case": secret.upper(),
        "lower case": secret.lower(),
        "swapped case": secret.swapcase(),
        "URL-encoded": quote(secret, safe=""),
        "URL-encoded (form)": quote_plus(secret),
        "UTF-16LE hex (KLUNINSTPASSWD)": secret.encode("utf-16-le").hex().upper(),
        "UTF-8 hex": secret.encode("utf-8").hex(),
        "JSON-escaped": json.dumps(secret)[1:-1],
        "base64": base64.b64encode(secret.encode()).decode(),
        "URL-safe base64": base64.urlsafe_b64encode(secret.encode()).decode(),
        "PowerShell -EncodedCommand": _b64_inside("& 'C:\\setup.exe' /password=", secret, "utf-16-le"),
    }
    for offset in range(3):
        forms[f"base64 inside text, offset {offset}"] = _b64_inside("x" * offset + "pw=", secret, "utf-8")
    return forms


def test_children_never_see_offramps_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    tally = Tally("child environment")
    for name, value in OFFRAMP_VARS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CORP_AV_PASSWORD", "named-in-a-policy")  # not on the short list children get
    dump = [sys.executable, "-c", "import json, os; print(json.dumps(dict(os.environ)))"]
    seen = json.loads(commands.run(dump, timeout=30, log=False).stdout)
    passed_on = json.loads(commands.run(dump, timeout=30, log=False, env={**os.environ, "EXTRA": "1"}).stdout)
    for name, value in {**OFFRAMP_VARS, "CORP_AV_PASSWORD": "named-in-a-policy"}.items():
        tally.case(f"{name} (plain run)", name not in seen and value not in json.dumps(seen))
        if name != "CORP_AV_PASSWORD":  # a caller passing the whole environment still cannot pass OFFRAMP_*
            tally.case(f"{name} (caller passed os.environ)", name not in passed_on)
    monkeypatch.setenv("KES_PASS", "Policy-Named-Secret")  # README's example of a policy-named variable
    monkeypatch.setattr(commands, "_KNOWN_SECRETS", set())
    gather(Policy(password_source="env", password_env={"kes_password": "KES_PASS"}), {"kes_password"}, None)
    after = json.loads(commands.run(dump, timeout=30, log=False, env={"KES_PASS": "Policy-Named-Secret"}).stdout)
    tally.case("a policy-named password variable, even passed on purpose", "KES_PASS" not in after)
    tally.case("PATH is kept", seen.get("PATH") == os.environ["PATH"])
    tally.case("what the caller adds is kept", passed_on.get("EXTRA") == "1")
    tally.report()


def test_a_replacements_install_script_never_sees_the_passwords(
    dpkg_root: DpkgRoot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in OFFRAMP_VARS.items():
        monkeypatch.setenv(name, value)
    spy = PackageSpec(
        name="spy-av",
        version="1.0",
        description="An install script that writes down the environment it was given",
        scripts={"postinst": 'env > "$DPKG_ROOT/env-seen-by-postinst"'},
    )
    deb = build_deb(spy, tmp_path / "debs")
    result = LinuxBackend(dpkg_root.path).install({"method": "download", "format": "deb"}, deb, 120)
    assert result.ok, result.message
    seen = (dpkg_root.path / "env-seen-by-postinst").read_text()
    assert "PATH=" in seen  # the script did run and write its environment
    for name, value in OFFRAMP_VARS.items():
        assert name not in seen and value not in seen


def test_every_form_of_a_password_is_masked(tmp_path: Path) -> None:
    tally = Tally("password forms masked")
    log = tmp_path / "log.jsonl"
    eventlog.setup(log, console=False)
    try:
        for password in PASSWORDS:
            for label, form in _forms(password).items():
                result = commands.run([sys.executable, "-c", ECHO, form], timeout=30, secrets=[password])
                kept = result.stdout + result.stderr + " ".join(result.argv)
                tally.case(f"{password!r} {label}", form not in kept and password not in kept, kept[:200])
    finally:
        eventlog.setup(console=False)
    text = log.read_text(encoding="utf-8")
    for password in PASSWORDS:
        for label, form in _forms(password).items():
            tally.case(f"{password!r} {label} (log file)", form not in text and json.dumps(form)[1:-1] not in text)
    tally.report()


def test_a_password_too_short_to_mask_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    tally = Tally("short passwords refused")
    for password in ("a", "ab", "abc"):
        monkeypatch.setenv("OFFRAMP_KES_PASSWORD", password)
        try:
            gather(Policy(password_source="env"), {"kes_password"}, None)
        except SecretsError as exc:
            tally.case(
                f"gather {password!r}", "shorter than 4 characters" in str(exc) and repr(password) not in str(exc)
            )
        else:
            tally.case(f"gather {password!r}", False, "accepted")
        try:
            commands.run([sys.executable, "-c", "pass"], timeout=30, secrets=[password])
        except ValueError as exc:
            tally.case(f"command runner {password!r}", "shorter than 4" in str(exc))
        else:
            tally.case(f"command runner {password!r}", False, "ran with a secret it cannot mask")
    tally.report()


def test_password_files_must_be_owner_only(tmp_path: Path) -> None:
    tally = Tally("password file permissions")
    refused = [0o644, 0o640, 0o604, 0o660, 0o606, 0o620, 0o602, 0o610, 0o601, 0o666]
    accepted = [0o600, 0o400]
    for mode in refused + accepted:
        path = tmp_path / f"passwords-{mode:o}.yaml"
        path.write_text("kes_password: Long-Enough-1\n")
        os.chmod(path, mode)
        policy = Policy(password_source="file", password_file=str(path))
        try:
            found = gather(policy, {"kes_password"}, None)
        except SecretsError as exc:
            tally.case(f"{mode:04o}", mode in refused and f"{mode:04o}" in str(exc) and "chmod 600" in str(exc))
        else:
            tally.case(f"{mode:04o}", mode in accepted and found == {"kes_password": "Long-Enough-1"})
    if os.geteuid() == 0:
        path = tmp_path / "someone-elses.yaml"
        path.write_text("kes_password: Long-Enough-1\n")
        os.chmod(path, 0o600)
        os.chown(path, 65534, -1)
        try:
            gather(Policy(password_source="file", password_file=str(path)), {"kes_password"}, None)
        except SecretsError as exc:
            tally.case("owned by another user", "belongs to user id 65534" in str(exc))
        else:
            tally.case("owned by another user", False, "accepted")
    tally.report()


@pytest.mark.slow
def test_credentials_in_a_download_url_are_never_recorded(
    dpkg_root: DpkgRoot, built_packages: BuiltPackages, tmp_path: Path, private_home: Path
) -> None:
    tally = Tally("URL credentials recorded nowhere")
    dpkg_root.install(built_packages.deb(fx.KESL))
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    report = tmp_path / "report.json"
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        secret_url = url.replace("http://", "http://mirror-user:Mirror-Pa55@")
        playbook = pinned_playbook(tmp_path, "linux", secret_url, payload)
        result = run_cli(
            "migrate", "--silent", "--root", str(dpkg_root.path), "--to", str(playbook), "--report", str(report),
            env={"OFFRAMP_ALLOW_LOOPBACK_HTTP": "1"},
        )  # fmt: skip
        sent = [r.headers.get("authorization", "") for r in server.requests_for("/offramp-test-av_1.0_all.deb")]
    assert result.returncode == 0, result.stdout + result.stderr
    expected_auth = "Basic " + base64.b64encode(b"mirror-user:Mirror-Pa55").decode()
    tally.case("the download itself used the credentials", expected_auth in sent, str(sent))
    records = {
        "state file": private_home / "state" / "migration.json",
        "journal": private_home / "state" / "journal.jsonl",
        "report": report,
        "log": private_home / "logs" / "offramp.jsonl",
    }
    for label, path in records.items():
        text = path.read_text(encoding="utf-8")
        tally.case(label, "Mirror-Pa55" not in text and "mirror-user" not in text, path.name)
    tally.case("terminal output", "Mirror-Pa55" not in result.stdout + result.stderr)
    tally.report()
