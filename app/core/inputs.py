"""Reading a file Offramp did not write (an inventory, a policy, a playbook, a password file): once, safely.

Each file is opened once and checked through that open handle: it must be a regular file (a FIFO
would hang a read and /dev/zero never ends), and at most `cap` + 1 bytes are read, so a file that
grows while it is read cannot slip past the cap. Opening uses O_NONBLOCK, so even a FIFO at the name
cannot make the open itself wait. JSON is checked for nesting before it is parsed, because the
parser's recursion limit would otherwise surface as a RecursionError deep inside it.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

MAX_JSON_DEPTH = 64
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')  # a string (maybe unterminated) or a bracket


class InputError(Exception):
    """A file that cannot be used as input; the message names the file and says why."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)
        self.reason = message


def read_bytes(path: Path | str, cap: int) -> tuple[bytes, os.stat_result]:
    """The file's bytes and its fstat, refusing anything that is not a regular file of at most `cap` bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO, socket or device"
            raise InputError(path, f"not a regular file ({kind})")
        if st.st_size > cap:
            raise InputError(path, f"file is {st.st_size:,} bytes; the limit is {cap:,}")
        chunks = []
        left = cap + 1  # one byte more than allowed tells a file that grew from one that fits
        while left > 0:
            try:
                chunk = os.read(fd, min(left, 1024 * 1024))
            except OSError as exc:
                raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > cap:
            raise InputError(path, f"file grew past the limit of {cap:,} bytes while it was read")
        return data, st
    finally:
        os.close(fd)


def check_regular(path: Path | str) -> os.stat_result:
    """The fstat of `path` if it is a regular file, opened without waiting (for readers that stream it)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
    finally:
        os.close(fd)
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO, socket or device"
        raise InputError(path, f"not a regular file ({kind})")
    return st


def read_text(path: Path | str, cap: int) -> str:
    """The file as UTF-8 text (a byte-order mark is allowed), with read_bytes' checks."""
    data, _ = read_bytes(path, cap)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, f"line {line}: not UTF-8 text") from None


def json_depth_problem(text: str, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why `text` nests too deep for json.loads, or None. One pass without recursion: strings are skipped
    whole, brackets counted; the text need not be valid JSON (the parser judges that afterwards)."""
    if text.count("[") + text.count("{") <= limit:
        return None  # cannot nest deeper than it has brackets: the common case costs two counts
    depth = 0
    for token in _JSON_TOKENS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, token.start()) + 1
                return f"line {line}: nested deeper than {limit} levels"
        elif char in "]}":
            depth -= 1
    return None
