"""The printable migration report: every string escaped, every step numbered in order with its status,
the support code and the to-do list present, and a page that needs nothing from outside itself."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from offramp.core.migrate.report import ReportError, from_json, load, load_json
from offramp.core.output.report_html import outcome_line, render_report
from tests.conftest import run_cli

EVIL = "Kaspersky <script>alert('x')</script> & \"Friends\""


def _step(
    number: int,
    step_id: str,
    kind: str,
    title: str,
    status: str,
    message: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ran = status != "pending"
    return {
        "number": number,
        "id": step_id,
        "kind": kind,
        "title": title,
        "status": status,
        "started": "2026-11-29T14:03:12+00:00" if ran else None,
        "finished": "2026-11-29T14:04:40+00:00" if status in ("done", "failed") else None,
        "attempts": 1 if ran else 0,
        "message": message,
        "data": data or {},
    }


def successful_report() -> dict[str, Any]:
    steps = [
        _step(1, "preflight", "preflight", "Check this machine is ready", "done", "ready"),
        _step(2, "rescue.kpm-vault", "rescue", "Passwords in Kaspersky Password Manager", "done", "confirmed"),
        _step(
            3,
            "stage.microsoft-defender-antivirus",
            "stage",
            "Download and check Microsoft Defender Antivirus first",
            "done",
            "already done",
        ),
        _step(4, "uninstall.kaspersky-consumer-windows", "uninstall", f"Remove {EVIL}", "done", f"removed {EVIL}"),
        _step(5, "reboot", "reboot", "Restart the computer", "done", "already done"),
        _step(6, "cleanup", "cleanup", "Remove what the uninstallers left behind", "done", "removed 3 leftovers"),
        _step(
            7,
            "install.microsoft-defender-antivirus",
            "install",
            "Install Microsoft Defender Antivirus",
            "done",
            "switched on",
        ),
        _step(
            8,
            "verify.microsoft-defender-antivirus",
            "verify",
            "Check Microsoft Defender Antivirus is protecting this computer",
            "done",
            "protecting",
        ),
        _step(9, "rescan", "rescan", "Scan again to prove nothing banned is left", "done", "nothing banned is left"),
        _step(10, "report", "report", "Write the report", "done", "report written"),
    ]
    return {
        "offramp_version": "0.1.0",
        "support_code": "K7M-4QX",
        "platform": "windows",
        "root": None,
        "replacement": "Microsoft Defender Antivirus",
        "plan_fingerprint": "3f9a0c1d2e4b5a6c",
        "dry_run": False,
        "started": "2026-11-29T14:03:12+00:00",
        "finished": True,
        "exit_code": 0,
        "outcome": "success",
        "removed": [f"Remove {EVIL}"],
        "installed": ["Install Microsoft Defender Antivirus"],
        "verification": {
            "protecting": True,
            "checks": [
                {"check": "security center", "passed": True, "detail": f"{EVIL}: on"},
                {"check": "process", "passed": None, "detail": "not looked at"},
            ],
        },
        "rescan": {"verdict": "leftovers", "installed": [], "leftovers": [f"folder C:\\{EVIL}"]},
        "warnings": [f"warning about {EVIL}"],
        "to_do_by_hand": [f"Remove by hand: folder C:\\{EVIL}", "Cancel the UltraAV subscription"],
        "steps": steps,
    }


def blocked_report() -> dict[str, Any]:
    report = successful_report()
    steps = report["steps"]
    steps[3] = _step(
        4,
        "uninstall.kaspersky-endpoint-security-windows",
        "uninstall",
        "Remove Kaspersky Endpoint Security for Windows",
        "failed",
        "Remove Kaspersky Endpoint Security for Windows was blocked: Windows Installer: fatal error",
    )
    for index in range(4, len(steps)):
        steps[index] = {
            **steps[index],
            "status": "pending",
            "started": None,
            "finished": None,
            "message": None,
            "attempts": 0,
            "data": {},
        }
    report.update(
        exit_code=24,
        outcome="removal blocked by a password or self-defence",
        removed=[],
        installed=[],
        verification={},
        rescan={},
        finished=False,
        to_do_by_hand=[],
    )
    return report


def step_rows(page: str) -> list[tuple[int, int, str]]:
    """(number, total, status words) of every row of the steps table, in page order."""
    rows = re.findall(
        r'<td class="num"[^>]*>Step (\d+) of (\d+)</td><td class="status [a-z]+"[^>]*>'
        r"\S+\s([^<]+)</td>",
        page,
    )
    return [(int(n), int(t), words) for n, t, words in rows]


def test_every_string_from_the_machine_is_escaped() -> None:
    page = render_report(from_json(successful_report()))
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Friends&quot;" in page
    # Escaped in every place a name can appear: step title and message, removed, checks, rescan, warnings, to-do.
    assert page.count("&lt;script&gt;") == 7


def test_a_hostile_support_code_cannot_break_out_of_the_title() -> None:
    report = successful_report()
    report["support_code"] = '"><script>x</script>'
    page = render_report(from_json(report))
    assert "<script" not in page
    assert "<title>Offramp report &quot;&gt;&lt;script&gt;x&lt;/script&gt;</title>" in page


def test_every_step_is_numbered_in_order_with_its_status() -> None:
    report = successful_report()
    rows = step_rows(render_report(from_json(report)))
    assert rows == [(n, 10, "done") for n in range(1, 11)]

    rows = step_rows(render_report(from_json(blocked_report())))
    assert [r[0] for r in rows] == list(range(1, 11))
    assert [r[2] for r in rows] == ["done"] * 3 + ["failed"] + ["pending"] * 6


def test_status_icons_are_text() -> None:
    report = blocked_report()
    report["steps"][4] = {
        **report["steps"][4],
        "id": "reboot",
        "status": "waiting",
        "message": "a restart is needed; Offramp carries on after it",
    }
    page = render_report(from_json(report))
    # A no-break space keeps each icon with its words when the status column wraps.
    assert "\u2713\u00a0done" in page and "\u2717\u00a0failed" in page and "\u2026\u00a0pending" in page
    assert "waiting for a restart" in page
    assert "<img" not in page


def test_support_code_platform_and_date_are_in_the_header() -> None:
    page = render_report(from_json(successful_report()))
    assert '<div class="code">K7M-4QX</div>' in page
    assert "Offramp report" in page
    assert "29 November 2026, 14:03 UTC" in page
    assert "Windows" in page


def test_to_do_items_warnings_removed_and_installed_are_listed() -> None:
    page = render_report(from_json(successful_report()))
    assert "To do by hand" in page
    assert "<li>Cancel the UltraAV subscription</li>" in page
    assert "<li>Remove by hand: folder C:\\Kaspersky &lt;script&gt;" in page
    assert "What was removed" in page and "What was installed" in page
    assert "<li>Microsoft Defender Antivirus</li>" in page  # the step's verb is not repeated under the heading
    assert "warning about" in page


@pytest.mark.parametrize(
    "make, expected",
    [
        (successful_report, "Your computer is protected by Microsoft Defender Antivirus"),
        (
            blocked_report,
            "Stopped at step 4 of 10: Remove Kaspersky Endpoint Security for Windows, exit 24: "
            "removal blocked by a password or self-defence",
        ),
    ],
)
def test_the_outcome_is_one_plain_sentence(make, expected: str) -> None:
    css, headline, _second = outcome_line(from_json(make()))
    assert headline == expected
    assert expected.replace("&", "&amp;") in render_report(from_json(make()))


def test_a_restart_pause_is_not_a_failure() -> None:
    report = blocked_report()
    report["steps"][3] = {**report["steps"][3], "status": "done"}
    report["steps"][4] = {
        **report["steps"][4],
        "id": "reboot",
        "kind": "reboot",
        "title": "Restart the computer",
        "status": "waiting",
    }
    report["exit_code"] = 3010
    css, headline, second = outcome_line(from_json(report))
    assert css == "outcome-wait"
    assert headline == "Waiting for a restart at step 5 of 10: Restart the computer"
    assert second and "after the restart" in second


def test_a_step_that_never_ran_does_not_claim_a_clean_scan() -> None:
    page = render_report(from_json(blocked_report()))  # rescan is {} because the rescan step is still pending
    assert "Final scan" not in page and "Nothing banned is installed" not in page
    assert "Protection checks" not in page


def test_the_page_is_self_contained_printable_and_fits_qt() -> None:
    page = render_report(from_json(successful_report()))
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8" />' in page and page.rstrip().endswith("</html>")
    for outside in ("<script", "<link", "<img", "src=", "href=", "url(", "@import"):
        assert outside not in page, outside
    css = page[page.index("<style>") : page.index("</style>")]
    assert "@media print" in css and "A4" in css
    # QTextDocument (the GUI's PDF route) ignores these, so the layout must not need them.
    assert not re.search(r"display\s*:\s*(flex|grid)|position\s*:|float\s*:", css)


def test_a_partial_report_still_renders() -> None:
    page = render_report(from_json({"support_code": "ABC-DEF", "steps": []}))
    assert "ABC-DEF" in page and "No steps were recorded" in page


def test_a_real_runner_report_renders(tmp_path: Path) -> None:
    # The same helpers the uninstall-fault tests use: a Windows machine with KES and Network Agent, and a
    # stand-in msiexec that fails with 1603, so the report comes from the real runner and report builder.
    from offramp.core.migrate.runner import Runner
    from tests.unit.test_uninstall_faults import FakeMsiexec, make_context

    fake = FakeMsiexec(tmp_path)
    fake.code = 1603
    ctx = make_context(tmp_path, fake, secrets={"kes_password": "wrong"})
    Runner(ctx, tmp_path / "state.json").run()
    report = load(tmp_path / "report.json")
    page = render_report(report)
    total = len(report.steps)
    blocked = next(s for s in report.steps if s.status == "failed")
    assert f"Stopped at step {blocked.number} of {total}: {blocked.title}, exit 24" in page
    assert [r[0] for r in step_rows(page)] == list(range(1, total + 1))
    assert "wrong" not in page  # the password never reaches the report


def test_load_report_says_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no report"):
        load(tmp_path / "missing.json")
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"support_code": "ABC')
    with pytest.raises(ReportError, match="damaged") as caught:
        load(damaged)
    assert caught.value.reason == "not valid JSON (line 1, column 18)"
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"kind": "something else"}))
    with pytest.raises(ReportError, match="not an Offramp migration report"):
        load(other)


def test_the_json_form_is_the_file_as_written(tmp_path: Path) -> None:
    source = tmp_path / "report.json"
    source.write_text(json.dumps(successful_report()))
    assert load_json(source) == successful_report()  # not filled in with the fields this report lacks
    assert load(source).support_code == "K7M-4QX"


def test_cli_report_renders_html_and_json(tmp_path: Path) -> None:
    source = tmp_path / "report.json"
    source.write_text(json.dumps(successful_report()))
    result = run_cli("report", "--input", str(source))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>") and "K7M-4QX" in result.stdout
    as_json = run_cli("report", "--input", str(source), "--format", "json")
    assert json.loads(as_json.stdout) == successful_report()
    target = tmp_path / "report.html"
    written = run_cli("report", "--input", str(source), "--output", str(target))
    assert written.returncode == 0 and target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_report_reads_the_state_folder_by_default(private_home: Path) -> None:
    (private_home / "state").mkdir(parents=True, exist_ok=True)
    (private_home / "state" / "report.json").write_text(json.dumps(blocked_report()))
    result = run_cli("report")
    assert result.returncode == 0, result.stderr
    assert "Stopped at step 4 of 10" in result.stdout


@pytest.mark.parametrize("content", [None, "{not json", "[1, 2]", '{"support_code": 5, "steps": []}'])
def test_cli_report_missing_or_damaged_exits_2_without_a_traceback(tmp_path: Path, content: str | None) -> None:
    source = tmp_path / "missing.json"
    if content is not None:
        source.write_text(content)
    result = run_cli("report", "--input", str(source))
    assert result.returncode == 2
    assert result.stderr.startswith("offramp: ") and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_cli_report_has_help() -> None:
    result = run_cli("report", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: offramp report")


def test_rendering_does_not_change_the_report() -> None:
    report = successful_report()
    before = copy.deepcopy(report)
    render_report(from_json(report))
    assert report == before


def _text_nodes(page: str) -> set[str]:
    """What a reader sees of the page body: each piece of text between tags, unescaped."""
    import html

    body = page.split("<body>", 1)[1]
    return {html.unescape(text).strip() for text in re.findall(r">([^<]+)<", body) if text.strip()}


@pytest.mark.parametrize(
    ("language", "heading", "stopped"),
    [("es", "Código de soporte", "Detenido en el paso"), ("ru", "Код поддержки", "Остановлено: шаг")],
)
def test_the_report_reads_in_the_readers_language(tmp_path: Path, language: str, heading: str, stopped: str) -> None:
    # A report from the real runner (titles and messages kept as the messages they were made from), shown in
    # English and in another language: the only texts both pages share are the names read from the machine.
    from offramp.core import i18n
    from offramp.core.migrate.runner import Runner
    from tests.unit.test_uninstall_faults import FakeMsiexec, make_context

    fake = FakeMsiexec(tmp_path)
    fake.code = 1603
    ctx = make_context(tmp_path, fake, secrets={"kes_password": "wrong"})
    Runner(ctx, tmp_path / "state.json").run()
    report = load(tmp_path / "report.json")
    with i18n.language("en"):
        english = render_report(report)
    with i18n.language(language):
        translated = render_report(report)
    titles = [step.title for step in report.steps if step.kind == "uninstall"]
    names = {title.fields["product"] for title in titles if isinstance(title, i18n.Text)}
    assert len(names) == len(titles) == 2
    rules = {str(item.get("rule")) for item in report.found}
    shared = _text_nodes(english) & _text_nodes(translated)
    assert shared <= names | rules | {report.support_code}, sorted(shared - names - rules)
    assert f'<html lang="{language}">' in translated and heading in translated and stopped in translated
    assert "24" in translated and report.support_code in translated
    assert (tmp_path / "report.json").read_text(encoding="utf-8").count("Remove ") > 0  # the JSON stays English


def test_cli_report_takes_lang_and_the_json_stays_english(tmp_path: Path) -> None:
    source = tmp_path / "report.json"
    source.write_text(json.dumps(blocked_report()))
    spanish = run_cli("report", "--input", str(source), "--lang", "es")
    assert spanish.returncode == 0, spanish.stderr
    assert '<html lang="es">' in spanish.stdout and "Pasos (10)" in spanish.stdout and "Steps (" not in spanish.stdout
    russian = run_cli("--lang", "ru", "report", "--input", str(source))
    assert '<html lang="ru">' in russian.stdout and "Шаг 4 из 10" in russian.stdout
    as_json = run_cli("report", "--input", str(source), "--format", "json", "--lang", "ru")
    assert json.loads(as_json.stdout) == blocked_report()
