"""The frozen bundle against a naive one built in the same run: size, wizard start-up and command-line start.

The baseline is a hello-world QWizard (one page, one label) frozen by the same PyInstaller with its defaults:
one folder, nothing excluded. It shows the wizard, lets it process its first events and prints "ok", as
`Offramp --smoke-test` prints "first page shown" at the same point, so both times run from process start
to a shown first page.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.timing import REPO, python, report, time_interleaved

sys.path.insert(0, str(REPO / "packaging"))
import layout  # noqa: E402  (packaging/layout.py: where build.spec puts the programs)

HELLO_WIZARD = """\
import sys

from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWizard, QWizardPage

app = QApplication(sys.argv)
wizard = QWizard()
page = QWizardPage()
page.setTitle("Hello")
QVBoxLayout(page).addWidget(QLabel("Hello, world"))
wizard.addPage(page)
wizard.show()
app.processEvents()
print("ok", flush=True)
"""


def tree_bytes(folder: Path) -> int:
    """Bytes of the regular files under folder (a symlink costs nothing, as on disk in a .deb or an MSI)."""
    total = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            path = Path(parent, name)
            if not path.is_symlink():
                total += path.stat().st_size
    return total


def timed_run(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        argv, cwd=REPO, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def build_both(work: Path) -> tuple[Path, Path, float, float]:
    """Offramp through packaging/build.py (as `make dist`, without the .deb), then the hello-world."""
    offramp_seconds = timed_run(
        [
            python(),
            str(REPO / "packaging" / "build.py"),
            "--no-deb",
            "--dist",
            str(work / "dist"),
            "--work",
            str(work / "build"),
        ]
    )
    script = work / "hello_wizard.py"
    script.write_text(HELLO_WIZARD, encoding="utf-8")
    hello_seconds = timed_run(
        [
            python(),
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "ERROR",
            "--windowed",
            "--name",
            "hello",
            "--distpath",
            str(work / "hello-dist"),
            "--workpath",
            str(work / "hello-build"),
            "--specpath",
            str(work),
            str(script),
        ]
    )
    return work / "dist" / layout.BUNDLE_NAME, work / "hello-dist" / "hello", offramp_seconds, hello_seconds


def main(runs: int = 31) -> None:
    with tempfile.TemporaryDirectory(prefix="offramp-bench-") as tmp:
        work = Path(tmp)
        bundle, hello, offramp_build, hello_build = build_both(work)
        print(f"{'build: offramp (packaging/build.py)':<38} {offramp_build:8.1f} s")
        print(f"{'build: hello-world wizard':<38} {hello_build:8.1f} s")

        size, baseline_size = tree_bytes(bundle), tree_bytes(hello)
        ratio = size / baseline_size
        print(f"{'baseline: hello-world bundle size':<38} {baseline_size / 1e6:8.1f} MB")
        print(
            f"{'dist/offramp size':<38} {size / 1e6:8.1f} MB   {ratio:5.2f}x hello-world"
            f"  (target <= 0.80x: {'met' if ratio <= 0.8 else 'MISSED'})"
        )

        env = {"QT_QPA_PLATFORM": "offscreen", "OFFRAMP_HOME": str(work / "home")}
        # Start to first page: both windows print a line once their first page is shown and its first
        # events are processed; what Offramp's smoke test does after that line is not start-up.
        first_page = time_interleaved(
            {
                "hello": [str(layout.executable(hello, "hello"))],
                "gui": [str(layout.executable(bundle, layout.GUI_NAME)), "--smoke-test"],
            },
            runs,
            env=env,
            until_first_line=True,
        )
        cli = layout.executable(bundle, layout.CLI_NAME)
        whole = time_interleaved(
            {"scan": [str(cli), "scan", "--json"], "version": [str(cli), "--version"]}, runs, env=env, ok_codes=(0, 1)
        )
        hello_start = first_page["hello"]
        print(f"{'baseline: hello-world wizard shown':<38} {hello_start * 1000:8.1f} ms")
        print(report("Offramp first page shown", first_page["gui"], hello_start, "hello-world", target=1.2))
        print(report("offramp scan --json", whole["scan"], hello_start, "hello-world"))
        print(report("offramp --version", whole["version"], hello_start, "hello-world"))


if __name__ == "__main__":
    main()
