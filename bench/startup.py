"""How fast the command line answers: `offramp --help` and `--version` against a bare interpreter start."""

from __future__ import annotations

from bench.timing import compile_bytecode, python, report, time_command


def main(runs: int = 15) -> None:
    compile_bytecode()
    bare = time_command([python(), "-c", "pass"], runs)
    print(f"{'baseline: python -c pass':<38} {bare * 1000:8.1f} ms")
    for args in (["--help"], ["--version"], ["playbooks", "--help"]):
        seconds = time_command([python(), "-m", "app", *args], runs)
        print(report("offramp " + " ".join(args), seconds, bare, "bare start"))


if __name__ == "__main__":
    main()
