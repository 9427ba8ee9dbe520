"""The one place logging is set up: a JSON Lines event log on disk, plain warnings on the terminal.

Each line of the log file is one JSON object, so a helpdesk can read it with any tool and later
issues can write every migration step through `event()` with structured fields.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from offramp.core import paths
from offramp.core.textsafe import printable

LOGGER_NAME = "offramp"
LOG_FILE_NAME = "offramp.jsonl"
MAX_LOG_BYTES = 5 * 1024 * 1024
KEPT_LOGS = 3
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonLinesFormatter(logging.Formatter):
    """Formats a record as one JSON object; fields passed with `extra=` become keys of their own."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": printable(record.getMessage(), multiline=True),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = printable(value, multiline=True) if isinstance(value, str) else value
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class ConsoleFormatter(logging.Formatter):
    """One line per message and never a traceback: tracebacks belong in the log file, not in front of users."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {printable(record.getMessage())}"


class _PrivateFileHandler(logging.FileHandler):
    """A FileHandler whose file is 0600 whatever the umask and never a symlink or FIFO planted at its name."""

    def _open(self) -> Any:
        fd = paths.open_private(Path(self.baseFilename))
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def _not_for_console(record: logging.LogRecord) -> bool:
    # Errors the caller already explains in words are logged with console=False.
    return getattr(record, "console", True)


def default_log_file() -> Path:
    return paths.log_dir() / LOG_FILE_NAME


def _rotate_if_full(target: Path) -> None:
    """Rolls offramp.jsonl over to .1, .2, .3 once it passes the size cap, checked when a run starts.

    One run writes kilobytes, so checking at each start bounds the log as well as checking at each line,
    and saves every start the import of logging.handlers (a sizeable part of a scan's start-up)."""
    try:
        if target.stat().st_size < MAX_LOG_BYTES:
            return
    except OSError:
        return  # no log yet
    import logging.handlers

    handler = logging.handlers.RotatingFileHandler(
        target, maxBytes=MAX_LOG_BYTES, backupCount=KEPT_LOGS, encoding="utf-8", delay=True
    )
    try:
        handler.doRollover()
    except OSError:
        pass  # another Offramp holds the file open (Windows): this run appends, a later one rolls it over
    finally:
        handler.close()


def setup(log_file: Path | None = None, *, verbose: bool = False, console: bool = True) -> Path:
    """Configures Offramp's logger once per process. Returns the log file in use."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    target = Path(log_file) if log_file else default_log_file()
    try:
        if log_file is None:
            paths.private_dir(target.parent)
        else:
            paths.make_dirs(target.parent)
        # Rotation keeps a long-lived helpdesk machine from growing the log without bound.
        _rotate_if_full(target)
        file_handler = _PrivateFileHandler(target, encoding="utf-8")
        file_handler.setFormatter(JsonLinesFormatter())
        file_handler.setLevel(logging.DEBUG)
        logger.addHandler(file_handler)
    except (OSError, paths.UntrustedFolder) as exc:
        # A read-only profile must not stop a scan; say so and carry on without a file.
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        print(f"warning: cannot write the log file {target}: {reason}", file=sys.stderr)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(ConsoleFormatter())
        stream.addFilter(_not_for_console)
        stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
        logger.addHandler(stream)
    logger.debug("logging started", extra={"event": "log.start", "pid": os.getpid(), "argv": sys.argv[1:]})
    return target


def get(name: str = "") -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)


def event(name: str, message: str = "", *, level: int = logging.INFO, **fields: Any) -> None:
    """Records a structured event: `name` is a dotted id ("migrate.step.done"), fields become JSON keys."""
    get().log(level, message or name, extra={"event": name, **fields})
