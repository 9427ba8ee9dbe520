"""The development setup installs at least what the shipped package declares it needs.

`make run` starts the wizard from a checkout after installing tools/apt/gui.txt; the .deb declares its
runtime libraries in packaging/deb.py (DEPENDS). When the two lists drift apart, a fresh Debian machine
runs the package but not the checkout (or the other way round), and Qt says only that it "could not load
xcb". This keeps one a superset of the other.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO
from tests.support.packaging_scripts import load_script


def _package_list(path: Path) -> list[str]:
    """The names tools/ensure-system-packages.sh reads: the first word of each line, '#' lines skipped."""
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words and not words[0].startswith("#"):
            names.append(words[0])
    return names


def test_the_gui_setup_installs_every_library_the_deb_depends_on() -> None:
    declared = set(load_script("packaging/deb.py").DEPENDS)
    installed = set(_package_list(REPO / "tools/apt/gui.txt"))
    assert len(declared) > 20, "DEPENDS read as nearly empty: the test would pass for the wrong reason"
    assert declared - installed == set(), "tools/apt/gui.txt lacks what the .deb depends on"


def test_the_package_list_reader_reads_as_the_install_script_does(tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("# a comment\n\nlibone  trailing words\n  libtwo\n#libthree\n", encoding="utf-8")
    assert _package_list(listing) == ["libone", "libtwo"]
