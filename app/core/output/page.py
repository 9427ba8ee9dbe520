"""The one page skeleton and the one escape for the HTML Offramp writes: the report and the helpdesk walkthrough.

Markup is built from `Html` values only. `html(template, ...)` fills a template written in the code
with values and escapes every value that is not `Html` already, so a name read from a machine (a
program, a path, a message) is text on the page whatever characters it holds, unless code has made
it markup on purpose. That is the autoescaping a template engine gives, without one: see "Printable
pages" in docs/architecture.md for why.

Both pages are printed to PDF by Qt's QTextDocument, which knows a subset of HTML and CSS: the shared
rules below use only what it draws (see app/core/output/report_html.py).
"""

from __future__ import annotations

import html as _html
from collections.abc import Iterable


class Html(str):
    """Text that is markup already; everything else that reaches a page is escaped, also by `+`."""

    __slots__ = ()

    def __add__(self, other: object) -> Html:
        return Html(str.__add__(self, escape(other)))

    def __radd__(self, other: object) -> Html:
        return Html(str.__add__(escape(other), self))


def escape(value: object) -> Html:
    """The one escape: text and attribute values alike; None becomes empty, Html stays as it is."""
    if isinstance(value, Html):
        return value
    return Html("" if value is None else _html.escape(str(value), quote=True))


def html(template: str, *values: object, **named: object) -> Html:
    """`template` (markup written in the code) with its {} fields filled by escaped `values`."""
    return Html(template.format(*(escape(v) for v in values), **{k: escape(v) for k, v in named.items()}))


def join(parts: Iterable[object], separator: str = "") -> Html:
    """Pieces of markup (or text, escaped) one after the other."""
    return Html(separator.join(escape(part) for part in parts))


# What both pages share: type, page width, headings' colour, A4 printing. Colours reach at least 4.5:1
# against white (WCAG AA) and stay readable on a black-and-white printer.
BASE_CSS = """
body { font-family: "Segoe UI", "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 11pt;
       color: #1a1a1a; background-color: #ffffff; margin: 0; }
.page { max-width: 180mm; margin: 0 auto; padding: 8mm 6mm; }
h1 { margin-top: 0; color: #0b3d66; }
h2 { font-size: 13pt; color: #0b3d66; }
p { margin-top: 2px; margin-bottom: 4px; }
@page { size: A4; margin: 15mm; }
@media print {
  body { font-size: 10pt; }
  .page { max-width: none; padding: 0; }
  h2 { page-break-after: avoid; }
}
"""


def document(title: object, css: str, body: Iterable[Html], lang: str = "en") -> str:
    """A whole self-contained HTML5 document: inline CSS only, no scripts, nothing fetched from anywhere.
    `lang` is the language of its words, for screen readers and hyphenation."""
    head = [
        Html("<!DOCTYPE html>"),
        html('<html lang="{}">', lang),
        Html("<head>"),
        Html('<meta charset="utf-8" />'),
        Html('<meta name="viewport" content="width=device-width, initial-scale=1" />'),
        html("<title>{}</title>", title),
        Html(f"<style>{BASE_CSS}{css}</style>"),
        Html("</head>"),
        Html("<body>"),
        Html('<div class="page">'),
    ]
    return join([*head, *body, Html("</div>"), Html("</body>"), Html("</html>")], "\n") + "\n"
