"""Shared timing helpers for the benchmarks: run a command many times, keep the median."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def time_interleaved(
    commands: Mapping[str, Sequence[str]],
    runs: int = 31,
    env: dict[str, str] | None = None,
    ok_codes: tuple[int, ...] = (0,),
    until_first_line: bool = False,
) -> dict[str, float]:
    """Median wall-clock seconds of each command, running them in turn (A, B, A, B, ...) after one warm-up
    round. A ratio of two programs measured one block after the other moves with whatever the machine
    did in between (10 ms and more here); taking turns gives both the same conditions.

    With `until_first_line`, a run is timed from its start to the first line it prints (a window's "my
    first page is up"), and the rest of the run (later checks, shutting down) is waited for but not timed."""
    full_env = {**os.environ, **(env or {})}
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(runs + 1):
        for name, argv in commands.items():
            start = time.perf_counter()
            with subprocess.Popen(
                list(argv),
                cwd=REPO,
                env=full_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            ) as proc:
                assert proc.stdout is not None
                if until_first_line:
                    proc.stdout.readline()
                first_line = time.perf_counter()
                proc.stdout.read()
                returncode = proc.wait()
                finished = time.perf_counter()
            elapsed = (first_line if until_first_line else finished) - start
            if returncode not in ok_codes:
                raise SystemExit(f"benchmark command failed ({returncode}): {' '.join(argv)}")
            if i:
                samples[name].append(elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}


def compile_bytecode() -> None:
    """Compiles Offramp's modules, as pip does when it installs a package. Without it a checkout run with
    PYTHONDONTWRITEBYTECODE would compile every module on every timed run, which no user's start pays."""
    import compileall

    compileall.compile_dir(str(REPO / "app"), quiet=1)


def python() -> str:
    return sys.executable


def report(name: str, value: float, baseline: float, baseline_name: str, target: float | None = None) -> str:
    ratio = value / baseline
    verdict = "" if target is None else f"  (target <= {target:.2f}x: {'met' if ratio <= target else 'MISSED'})"
    return f"{name:<38} {value * 1000:8.1f} ms   {ratio:5.2f}x {baseline_name}{verdict}"
