"""What pyproject.toml cannot say: which folders the wheel holds, and the playbook snapshot compiled into it.

The source layout keeps the data beside the code (playbooks/ and resources/ at the top of the checkout),
where people edit it. An installed Offramp finds it inside its package instead (app/playbooks,
app/resources: see app/core/paths.py), so the wheel maps both folders into the package, and the build
writes the compiled snapshot (app/core/data/shipped.py) there, so a pip-installed Offramp starts without
parsing YAML as the frozen one does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA_FOLDERS = {"app.playbooks": "playbooks", "app.resources": "resources"}


def data_packages() -> list[str]:
    """app.playbooks, app.playbooks.banned, … : one entry per folder of shipped data."""
    found = []
    for package, folder in DATA_FOLDERS.items():
        found.append(package)
        for sub in sorted(p for p in (HERE / folder).rglob("*") if p.is_dir() and p.name != "__pycache__"):
            if "compiled" in sub.relative_to(HERE / folder).parts:
                continue  # written fresh by the build below, never taken from the checkout
            found.append(".".join([package, *sub.relative_to(HERE / folder).parts]))
    return found


class BuildWithSnapshot(build_py):
    """The usual build, then the playbooks' snapshot written into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout, which writes its own snapshot when run
        sys.path.insert(0, str(HERE))
        try:
            from app.core.data.shipped import compile_snapshots
        finally:
            sys.path.remove(str(HERE))
        compile_snapshots(Path(self.build_lib) / "app" / "playbooks")
        # The compiled translations likewise, next to the .po files they come from.
        from app.core import i18n

        built = Path(self.build_lib) / "app" / "resources" / "translations"
        (built / i18n.COMPILED_DIR).mkdir(exist_ok=True)
        for po in sorted(built.glob("*.po")):
            (built / i18n.COMPILED_DIR / f"{po.stem}.mo").write_bytes(i18n.compile_po(po.read_bytes()))


setup(
    packages=[*find_packages(include=["app", "app.*"]), *data_packages()],
    package_dir={package: folder for package, folder in DATA_FOLDERS.items()}
    | {
        f"{package}.{sub}": f"{folder}/{sub.replace('.', '/')}"
        for package, folder in DATA_FOLDERS.items()
        for sub in (p.removeprefix(package + ".") for p in data_packages() if p.startswith(package + "."))
    },
    package_data={package: ["*"] for package in data_packages()},
    cmdclass={"build_py": BuildWithSnapshot},
)
