"""`offramp fleet scan` on generated fleet logs against a baseline that only reads and json.loads every line.

For each size (1,000 and 10,000 hosts by default; `--hosts 1000,10000,100000` for more) a results log is
generated into a temporary folder (about 80 KB per host: 24 hourly snapshot runs of the pack, a few
rows an admin's own queries add, lines of all hosts interleaved by time as a collector receives them),
then the baseline and the fleet scan run in turn on the same file. Wall time is the median of the runs;
peak memory is the largest sum of resident memory over the process and all its workers, sampled every
20 ms from /proc (Linux only). The file is deleted afterwards.

Targets for 10,000 hosts: at most 2.0x the baseline's time and 250 MB peak memory.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from bench.timing import REPO, compile_bytecode, python

BASELINE = "import json, sys\nfor line in open(sys.argv[1], 'rb'):\n    json.loads(line)\n"
TARGET_RATIO = 2.0
TARGET_MB = 250
# (share of hosts, profile, noise rows): mostly clean machines, a tenth still running the banned product.
MIX = [
    (0.50, "windows-clean", 5),
    (0.20, "linux-clean", 5),
    (0.10, "windows-installed", 3),
    (0.10, "windows-leftovers", 3),
    (0.05, "linux", 3),
    (0.05, "darwin", 3),
]
RUNS_PER_HOST = 24


def _specs(hosts: int) -> Iterator[object]:
    from tests.support.osquery_logs import HostSpec

    cycle = [(profile, noise) for share, profile, noise in MIX for _ in range(round(share * 100))]
    for i in range(hosts):
        profile, noise = cycle[i % len(cycle)]
        fleet = i % 2 == 0  # half as Fleet writes them (decorations, '/'), half as stock osquery ('_')
        yield HostSpec(
            f"host-{i:06d}",
            [profile] * RUNS_PER_HOST,
            delimiter="/" if fleet else "_",
            pack="Global" if fleet else "offramp",
            fleet=fleet,
            noise=noise,
        )


def generate(path: Path, hosts: int) -> int:
    """Writes the log run by run, every host's lines of one hour before the next hour's; returns its size."""
    from tests.support.osquery_logs import host_lines

    streams = [itertools.groupby(host_lines(spec), key=lambda item: item[0]) for spec in _specs(hosts)]  # type: ignore[arg-type]
    with path.open("w", encoding="utf-8", buffering=1 << 20) as out:
        for _run in range(RUNS_PER_HOST):
            for stream in streams:
                _t, lines = next(stream)
                out.writelines(line + "\n" for _t, line in lines)
    return path.stat().st_size


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(argv: Sequence[str], ok: tuple[int, ...]) -> tuple[float, int]:
    """(wall seconds, peak resident bytes of the whole process tree)."""
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, _tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode not in ok:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(argv)}\n{err.decode()}")
    return elapsed, peak


def bench_size(hosts: int, runs: int, folder: Path) -> dict[str, float]:
    log = folder / f"fleet-{hosts}.log"
    started = time.perf_counter()
    size = generate(log, hosts)
    made = time.perf_counter() - started
    commands = {
        "baseline": ([python(), "-c", BASELINE, str(log)], (0,)),
        "fleet": ([python(), "-m", "offramp", "fleet", "scan", "--json", "--output", os.devnull, str(log)], (0, 1)),
    }
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
    try:
        for _ in range(runs):
            for name, (argv, ok) in commands.items():  # in turn, so both meet the same machine
                samples[name].append(measure(argv, ok))
    finally:
        log.unlink()
    base = statistics.median(t for t, _ in samples["baseline"])
    fleet = statistics.median(t for t, _ in samples["fleet"])
    peak = max(m for _, m in samples["fleet"])
    ratio = fleet / base
    print(
        f"{hosts:>7,} hosts {size / 1e6:7.0f} MB (made in {made:4.0f} s)   baseline {base:6.1f} s   "
        f"fleet scan {fleet:6.1f} s   {ratio:4.2f}x   peak {peak / 1e6:5.0f} MB "
        f"(baseline {max(m for _, m in samples['baseline']) / 1e6:4.0f} MB)"
        + (
            f"   (targets <= {TARGET_RATIO:.1f}x: {'met' if ratio <= TARGET_RATIO else 'MISSED'}, "
            f"<= {TARGET_MB} MB: {'met' if peak <= TARGET_MB * 1e6 else 'MISSED'})"
            if hosts == 10_000
            else ""
        )
    )
    return {"hosts": hosts, "bytes": size, "baseline": base, "fleet": fleet, "ratio": ratio, "peak": peak}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--hosts", default="1000,10000", help="comma-separated fleet sizes (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command per size (median)")
    args = parser.parse_args(argv)
    compile_bytecode()
    print(f"cores: {os.cpu_count()}; load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    results = []
    with tempfile.TemporaryDirectory(prefix="offramp-fleet-bench-") as tmp:
        for hosts in (int(h) for h in args.hosts.split(",")):
            results.append(bench_size(hosts, args.runs if hosts <= 10_000 else 1, Path(tmp)))
    for small, big in itertools.pairwise(results):
        grow = big["hosts"] / small["hosts"]
        print(
            f"{small['hosts']:,} -> {big['hosts']:,} hosts ({grow:.0f}x): fleet scan time x"
            f"{big['fleet'] / small['fleet']:.1f}, baseline x{big['baseline'] / small['baseline']:.1f}"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
