"""The helpdesk's phone walkthrough: the planner's order, the catalogue's and the playbooks' words, and the
warnings that matter on the phone (a plain-text password export, a password-protected uninstall)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from offramp.core.data.catalogue import load_catalogue
from offramp.core.data.replacements import find_replacement
from offramp.core.output import walkthrough as wt
from offramp.core.output.walkthrough import (
    WalkthroughError,
    render_walkthrough_html,
    render_walkthrough_text,
    walkthrough,
)
from tests.conftest import run_cli

CATALOGUE = load_catalogue(catalogue_id="kaspersky")
# The order offramp.core.migrate.plan.make_plan builds; a walkthrough section may never go back in it.
PLAN_ORDER = ["preflight", "rescue", "stage", "uninstall", "reboot", "cleanup", "install", "verify", "rescan", "report"]


def section(sections: list[wt.Section], kind: str) -> wt.Section:
    return next(s for s in sections if s.kind == kind)


def everything(s: wt.Section) -> str:
    return " ".join(
        [s.title, s.say, s.check, s.only_if or "", s.warning or ""] + [f"{p.when} {p.then}" for p in s.problems]
    )


@pytest.mark.parametrize(
    "replacement, platform",
    [
        ("microsoft-defender-antivirus", "windows"),
        ("norton-360-deluxe", "windows"),
        ("clamav", "linux"),
        ("macos-xprotect", "macos"),
        ("eset-nod32-antivirus", "macos"),
        ("microsoft-defender-endpoint-linux", "linux"),
    ],
)
def test_sections_follow_the_plan_order_and_are_numbered(replacement: str, platform: str) -> None:
    sections = walkthrough(replacement, platform, CATALOGUE)
    kinds = [s.kind for s in sections]
    assert kinds == sorted(kinds, key=PLAN_ORDER.index)
    assert kinds[0] == "preflight" and kinds[-2:] == ["rescan", "report"]
    assert [s.number for s in sections] == list(range(1, len(sections) + 1))
    assert {s.total for s in sections} == {len(sections)}
    for s in sections:
        assert s.say and s.check, s.step_id


def test_the_replacement_is_staged_before_anything_is_removed() -> None:
    sections = walkthrough("microsoft-defender-antivirus", "windows", CATALOGUE)
    kinds = [s.kind for s in sections]
    assert "stage" in kinds
    assert kinds.index("stage") < kinds.index("uninstall")
    assert max(i for i, k in enumerate(kinds) if k == "rescue") < kinds.index("stage")
    assert kinds.index("reboot") > max(i for i, k in enumerate(kinds) if k == "uninstall")
    assert kinds.index("cleanup") < kinds.index("install") < kinds.index("verify")


def test_removals_come_in_the_catalogues_order() -> None:
    sections = walkthrough("microsoft-defender-antivirus", "windows", CATALOGUE)
    removed = [s.step_id.removeprefix("uninstall.") for s in sections if s.kind == "uninstall"]
    orders = [CATALOGUE.product(pid).removal["windows"].order for pid in removed]
    assert orders == sorted(orders)
    # Endpoint Security before the Network Agent that manages it, companions after both.
    assert removed.index("kaspersky-endpoint-security-windows") < removed.index("kaspersky-network-agent")
    assert removed.index("kaspersky-network-agent") < removed.index("kaspersky-password-manager")


def test_data_rescue_covers_every_risk_of_the_products_on_that_system() -> None:
    sections = walkthrough("microsoft-defender-antivirus", "windows", CATALOGUE)
    rescued = {s.step_id.removeprefix("rescue.") for s in sections if s.kind == "rescue"}
    expected = {risk for p in wt.products_for(CATALOGUE, "windows") for risk in p.data_at_risk}
    assert rescued == expected and "kpm-vault" in rescued
    linux = walkthrough("clamav", "linux", CATALOGUE)
    assert not [s for s in linux if s.kind == "rescue"]  # nothing on Linux keeps user data at risk


def test_the_password_manager_export_is_plain_text_and_must_be_deleted() -> None:
    sections = walkthrough("microsoft-defender-antivirus", "windows", CATALOGUE)
    vault = next(s for s in sections if s.step_id == "rescue.kpm-vault")
    assert vault.warning and "plain text" in vault.warning.lower()
    assert "delete" in vault.warning.lower()
    assert vault.only_if and "Password Manager" in vault.only_if
    text = render_walkthrough_text("microsoft-defender-antivirus", "windows", CATALOGUE)
    assert "plain text" in text.lower()
    page = render_walkthrough_html("microsoft-defender-antivirus", "windows", CATALOGUE)
    assert "plain text" in page.lower()


def test_a_password_protected_removal_names_the_ways_out() -> None:
    sections = walkthrough("microsoft-defender-antivirus", "windows", CATALOGUE)
    kes = next(s for s in sections if s.step_id == "uninstall.kaspersky-endpoint-security-windows")
    words = everything(kes)
    assert "KLAdmin" in words  # the account the password prompt asks for
    assert "Safe Mode" in words and "KLAPR.bat" in words  # a forgotten password
    assert "kavremover" in words  # the vendor's removal tool as the last resort
    assert "exit 24" in words


def test_a_guided_uninstaller_offers_the_catalogues_fallbacks() -> None:
    sections = walkthrough("microsoft-defender-antivirus", "windows", CATALOGUE)
    consumer = next(s for s in sections if s.step_id == "uninstall.kaspersky-consumer-windows")
    fallback = next(p for p in consumer.problems if p.when == "the removal does not work")
    assert "kavremvr.exe" in fallback.then and "KLAPR.bat" in fallback.then


def test_the_restart_says_offramp_carries_on() -> None:
    sections = walkthrough("microsoft-defender-antivirus", "windows", CATALOGUE)
    restart = section(sections, "reboot")
    assert "restart" in restart.title.lower()
    assert "carries on" in everything(restart)
    assert "reboot" not in [s.kind for s in walkthrough("clamav", "linux", CATALOGUE)]  # nothing needs one


def test_a_builtin_replacement_installs_automatically() -> None:
    sections = walkthrough("microsoft-defender-antivirus", "windows", CATALOGUE)
    install = section(sections, "install")
    assert "automatically" in install.say
    assert "does not need to click" in install.say
    assert "Windows" in install.say


def test_a_guided_install_opens_the_vendors_page() -> None:
    norton = find_replacement("norton-360-deluxe")
    url = norton.install["windows"][0].details["url"]
    sections = walkthrough(norton, "windows", CATALOGUE)
    install = section(sections, "install")
    assert f"opens the {norton.vendor} page, {url}" in install.say
    assert "does not need to click" not in install.say
    assert any(url in p.then for p in install.problems)  # read the address out if the page does not open
    assert "stage" not in [s.kind for s in sections]  # nothing to download before the removal


def test_the_walkthrough_names_no_product_itself() -> None:
    # Every name comes from the catalogue and the playbooks, so a new catalogue or playbook needs no code.
    source = Path(wt.__file__).read_text(encoding="utf-8")
    for name in ("Kaspersky", "Defender", "Norton", "ClamAV", "KLAPR", "kavremover", "KLAdmin", "XProtect"):
        assert name not in source, name


def test_macos_is_accepted_as_a_name_for_darwin() -> None:
    assert walkthrough("macos-xprotect", "macos", CATALOGUE) == walkthrough("macos-xprotect", "darwin", CATALOGUE)


def test_unsupported_requests_are_refused() -> None:
    with pytest.raises(WalkthroughError, match="not available for Windows"):
        walkthrough("clamav", "windows", CATALOGUE)
    with pytest.raises(WalkthroughError, match="unknown playbook"):
        walkthrough("nonexistent", "windows", CATALOGUE)
    with pytest.raises(WalkthroughError, match="unknown system"):
        walkthrough("clamav", "beos", CATALOGUE)
    with pytest.raises(WalkthroughError, match="test playbook"):
        walkthrough("offramp-test-av", "linux", CATALOGUE)
    assert walkthrough("offramp-test-av", "linux", CATALOGUE, include_test_only=True)


def test_text_has_numbered_steps_with_say_check_and_if() -> None:
    text = render_walkthrough_text("microsoft-defender-antivirus", "windows", CATALOGUE)
    numbers = [int(n) for n in re.findall(r"^Step (\d+) of \d+: ", text, flags=re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 10
    assert text.count("Say:") == len(numbers) and text.count("Check:") == len(numbers)
    assert "If Offramp says it needs administrator rights:" in text


def test_html_is_self_contained_and_escapes_playbook_text() -> None:
    evil = find_replacement("clamav")._replace(name="Clam<script>alert(1)</script>AV")
    page = render_walkthrough_html(evil, "linux", CATALOGUE)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page
    assert "Clam&lt;script&gt;alert(1)&lt;/script&gt;AV" in page
    for outside in ("<link", "<img", "src=", "href=", "@import"):
        assert outside not in page, outside
    headings = re.findall(r"<h2>Step (\d+) of (\d+): ", page)
    assert [int(n) for n, _ in headings] == list(range(1, len(headings) + 1))


def test_cli_walkthrough_html_for_clamav_on_linux(tmp_path: Path) -> None:
    result = run_cli("walkthrough", "--to", "clamav", "--os", "linux", "--format", "html")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert "Phone walkthrough: moving to ClamAV on Linux" in result.stdout
    target = tmp_path / "walk.txt"
    written = run_cli("walkthrough", "--to", "clamav", "--os", "linux", "--output", str(target))
    assert written.returncode == 0, written.stderr
    assert target.read_text(encoding="utf-8").startswith("Phone walkthrough: moving to ClamAV on Linux")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--to", "nonexistent"], "unknown playbook 'nonexistent'"),
        (["--to", "clamav", "--os", "windows"], "not available for Windows"),
        (["--to", "offramp-test-av", "--os", "linux"], "test playbook"),
    ],
)
def test_cli_walkthrough_refusals_exit_2_without_a_traceback(args: list[str], message: str) -> None:
    result = run_cli("walkthrough", *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_cli_walkthrough_has_help() -> None:
    result = run_cli("walkthrough", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: offramp walkthrough")
