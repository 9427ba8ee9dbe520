"""Small helpers the command handlers share for printing to a terminal or a pipe."""

from __future__ import annotations

import sys
from typing import Any


def say(text: str = "", *, file: Any = None) -> None:
    """Prints one line whose parts may come from data: control characters and terminal escapes are shown
    as escapes (app/core/textsafe.py), never sent to the terminal. Trailing blank lines are kept."""
    from offramp.core.textsafe import printable

    body = text.rstrip("\n")
    print(printable(body) + "\n" * (len(text) - len(body)), file=file)


def emit_json(data: Any) -> None:
    import json  # here, not at the top: `offramp --help` imports this module

    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in rows]
    return "\n".join(lines)
