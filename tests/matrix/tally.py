"""A tally of a matrix test's cases: how many were tried, how many survived, printed for the closing note."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Tally:
    name: str
    tried: int = 0
    failures: list[str] = field(default_factory=list)

    def case(self, label: str, survived: bool, detail: str = "") -> None:
        self.tried += 1
        if not survived:
            self.failures.append(f"{label}: {detail}" if detail else label)

    @property
    def survived(self) -> int:
        return self.tried - len(self.failures)

    def report(self) -> None:
        """Prints the figures (visible with pytest -s, and in the captured output of a failure) and asserts."""
        print(f"\nMATRIX {self.name}: tried {self.tried}, survived {self.survived}")
        assert self.tried > 0
        assert not self.failures, "\n".join(self.failures)


def bounded(action: Callable[[], Any], guard: float = 30.0) -> tuple[bool, Any]:
    """(finished, what `action` returned or raised), giving it `guard` seconds in a thread: a hang guard for
    cases such as a FIFO, never a timing assertion (a case that works takes milliseconds)."""
    box: list[Any] = []

    def call() -> None:
        try:
            box.append(action())
        except BaseException as exc:  # noqa: BLE001 - the case reports whatever happened
            box.append(exc)

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(guard)
    return (False, None) if worker.is_alive() else (True, box[0])
