"""How fast the command line answers: `offramp --help` and `--version` against a bare interpreter start."""

from __future__ import annotations

from bench.timing import compile_bytecode, python, report, time_interleaved


def main(runs: int = 15) -> None:
    compile_bytecode()
    commands = {"bare": [python(), "-c", "pass"]}
    for args in (["--help"], ["--version"], ["playbooks", "--help"]):
        commands["offramp " + " ".join(args)] = [python(), "-m", "offramp", *args]
    times = time_interleaved(commands, runs)
    bare = times.pop("bare")
    print(f"{'baseline: python -c pass':<38} {bare * 1000:8.1f} ms")
    for name, seconds in times.items():
        print(report(name, seconds, bare, "bare start"))


if __name__ == "__main__":
    main()
