"""What pyproject.toml cannot say: which folders the wheel holds, under which name, and the playbook snapshot.

The source folder is app/ (the project's layout), but Offramp installs as the package `offramp`, its own
name, so it cannot collide with another project's top-level `app`. The source layout keeps the data
beside the code (playbooks/ and resources/ at the top of the checkout), where people edit it. An
installed Offramp finds it inside its package instead (offramp/playbooks, offramp/resources: see
app/core/paths.py), so the wheel maps both folders into the package, and the build writes the compiled
snapshot (app/core/data/shipped.py) and the compiled translations there, so a pip-installed Offramp starts
without parsing YAML or .po files, as the frozen one does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
PACKAGE = "offramp"  # the import name; its source is the folder app/
SOURCE = "app"
DATA_FOLDERS = {f"{PACKAGE}.playbooks": "playbooks", f"{PACKAGE}.resources": "resources"}


def code_packages() -> dict[str, str]:
    """offramp, offramp.core, … -> app, app/core, … : the code, under its installed name."""
    found = {PACKAGE: SOURCE}
    for package in find_packages(where=str(HERE / SOURCE)):
        found[f"{PACKAGE}.{package}"] = f"{SOURCE}/{package.replace('.', '/')}"
    return found


def data_packages() -> dict[str, str]:
    """offramp.playbooks, offramp.playbooks.banned, … -> their folders: one entry per folder of shipped data."""
    found = {}
    for package, folder in DATA_FOLDERS.items():
        found[package] = folder
        for sub in sorted(p for p in (HERE / folder).rglob("*") if p.is_dir() and p.name != "__pycache__"):
            parts = sub.relative_to(HERE / folder).parts
            if "compiled" in parts:
                continue  # written fresh by the build below, never taken from the checkout
            found[".".join([package, *parts])] = "/".join([folder, *parts])
    return found


class BuildWithSnapshot(build_py):
    """The usual build, then the playbooks' snapshot written into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout, which writes its own snapshot when run
        # The compiler is imported from what was just built, under the installed name, as the wheel will run it.
        sys.path.insert(0, str(Path(self.build_lib).resolve()))
        try:
            from offramp.core import i18n
            from offramp.core.data.shipped import compile_snapshots
        finally:
            sys.path.pop(0)
        compile_snapshots(Path(self.build_lib) / PACKAGE / "playbooks")
        # The compiled translations likewise, next to the .po files they come from.
        built = Path(self.build_lib) / PACKAGE / "resources" / "translations"
        (built / i18n.COMPILED_DIR).mkdir(exist_ok=True)
        for po in sorted(built.glob("*.po")):
            (built / i18n.COMPILED_DIR / f"{po.stem}.mo").write_bytes(i18n.compile_po(po.read_bytes()))


setup(
    packages=[*code_packages(), *data_packages()],
    package_dir=code_packages() | data_packages(),
    package_data={package: ["*"] for package in data_packages()},
    cmdclass={"build_py": BuildWithSnapshot},
)
