"""The one page skeleton and the one escape behind the report and the walkthrough."""

from __future__ import annotations

from pathlib import Path

from offramp.core.data.catalogue import load_catalogue
from offramp.core.migrate.report import from_json
from offramp.core.output.page import Html, document, escape, html, join
from offramp.core.output.report_html import render_report
from offramp.core.output.walkthrough import render_walkthrough_html
from tests.unit.test_report_html import successful_report

HOSTILE = "<script>alert('x')</script> & \"q\""
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;"
OUTPUT = Path(__file__).resolve().parents[2] / "app" / "core" / "output"


def test_values_are_escaped_and_markup_is_not() -> None:
    assert escape(HOSTILE) == ESCAPED
    assert escape(None) == ""
    assert html("<b>{}</b>", HOSTILE) == f"<b>{ESCAPED}</b>"
    assert html("<i>{x}</i>", x=Html("<b>kept</b>")) == "<i><b>kept</b></i>"
    assert join([Html("<br />"), HOSTILE]) == "<br />" + ESCAPED


def test_adding_text_to_markup_escapes_the_text_and_keeps_markup() -> None:
    joined = Html("<p>") + HOSTILE + Html("</p>")
    assert isinstance(joined, Html)
    assert joined == f"<p>{ESCAPED}</p>"
    assert HOSTILE + Html("<br />") == ESCAPED + "<br />"


def test_the_document_escapes_its_title_and_wraps_the_body() -> None:
    page = document(HOSTILE, "h1 { color: #000000; }", [Html("<p>body</p>")])
    assert f"<title>{ESCAPED}</title>" in page
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert page.endswith("<p>body</p>\n</div>\n</body>\n</html>\n")


def test_the_report_and_the_walkthrough_share_the_skeleton() -> None:
    report = render_report(from_json(successful_report()))
    walk = render_walkthrough_html("microsoft-defender-antivirus", "windows", load_catalogue(catalogue_id="kaspersky"))

    def head(page: str) -> list[str]:
        return [line for line in page.split("<style>")[0].splitlines() if not line.startswith("<title>")]

    assert head(report) == head(walk)
    assert report.split("</style>")[0].split("<style>")[1].startswith(walk.split("<style>")[1][:200])
    assert report.endswith("</div>\n</body>\n</html>\n") and walk.endswith("</div>\n</body>\n</html>\n")


def test_no_page_module_keeps_an_escape_of_its_own() -> None:
    own = [p.name for p in OUTPUT.glob("*.py") if p.name != "page.py" and "html.escape" in p.read_text()]
    assert own == []


def test_markup_built_in_pieces_is_never_escaped_twice() -> None:
    """A piece of markup that lost its Html type would show up as visible tags: '&lt;span'."""
    pages = [
        render_report(from_json(successful_report())),
        render_walkthrough_html("microsoft-defender-antivirus", "windows", load_catalogue(catalogue_id="kaspersky")),
    ]
    own_tags = ("span", "b&gt;", "br", "li&gt;", "ul&gt;", "ol&gt;", "tr&gt;", "td", "table", "p&gt;", "p class")
    for page in pages:
        assert [tag for tag in own_tags if "&lt;" + tag in page] == []
        assert "&amp;lt;" not in page
