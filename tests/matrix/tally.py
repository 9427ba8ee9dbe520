"""A tally of a matrix test's cases: how many were tried, how many survived, printed for the closing note."""

from __future__ import annotations

from dataclasses import dataclass, field


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
