"""What a step's action came to, and the exit code silent mode reports for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from offramp.core import exitcodes


@dataclass
class Outcome:
    status: str  # done, failed, waiting (a restart), cancelled
    message: str
    exit_code: int = exitcodes.SUCCESS
    data: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    to_do: list[str] = field(default_factory=list)  # what a person must still do by hand

    @classmethod
    def done(cls, message: str, **kw: Any) -> Outcome:
        return cls("done", message, **kw)

    @classmethod
    def failed(cls, message: str, exit_code: int = exitcodes.FAILURE, **kw: Any) -> Outcome:
        return cls("failed", message, exit_code=exit_code, **kw)
