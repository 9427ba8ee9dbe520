"""Text from data (product names, folder names, values from an inventory) made safe to show.

A program name or a file name on a machine can hold terminal escape sequences, carriage returns or
bidirectional overrides that rewrite what a person reads on a terminal, in a log viewer or in the
wizard. Every such sink passes data through `printable`, which shows each control character as a
visible escape (``\\x1b``) instead of letting it act.
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL, plus the Unicode characters that reorder or hide text (bidi embeddings,
# overrides and isolates, zero-width joiners, the line and paragraph separators).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, multiline: bool = False) -> str:
    """`text` with every control character shown as an escape; newlines and tabs survive only if `multiline`."""
    value = text if isinstance(text, str) else str(text)
    return (_UNSAFE if multiline else _UNSAFE_LINE).sub(_escape, value)
