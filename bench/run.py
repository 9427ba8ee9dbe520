"""Runs every benchmark. Each prints its ratio against a baseline measured in the same run."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bundle, classify, fleet, startup  # noqa: E402


def main() -> None:
    print("== start-up ==")
    startup.main()
    print("== frozen bundle (PyInstaller) ==")
    bundle.main()
    print("== scan and classification ==")
    classify.main()
    print("== fleet scan (osquery results logs) ==")
    fleet.main([])


if __name__ == "__main__":
    main()
