"""Names and places of the frozen build, shared by build.spec, the build and smoke scripts, the tests and bench."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
WORK = ROOT / "build"
BUNDLE_NAME = "offramp"  # dist/offramp/: both programs side by side, sharing _internal/
APP_NAME = "Offramp.app"  # macOS only: the same files as an application bundle
CLI_NAME = "offramp"
# Windows and macOS file systems ignore case, where "Offramp" and "offramp" would be one file: there the
# window program takes the name of the pip-installed one instead (the console name is the admins' contract).
GUI_NAME = "Offramp" if sys.platform.startswith("linux") else "offramp-gui"
BUNDLE_ID = "org.offramp.Offramp"
# The code lives in app/ (the project's layout) but imports as `offramp`, its installed name. A pip install maps
# the one to the other; tools that only take folders (PyInstaller's pathex, a Windows Python's ._pth file, mypy)
# get this folder instead, which holds `offramp` as a link to app/.
IMPORT_ROOT = WORK / "importroot"


def version() -> str:
    """offramp.__version__, read without importing the app into the build process."""
    source = (ROOT / "app" / "__init__.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise RuntimeError("app/__init__.py sets no __version__")


def import_root() -> Path:
    """build/importroot, holding `offramp` -> app/: a symbolic link, or a junction where links need privileges."""
    target = ROOT / "app"
    link = IMPORT_ROOT / "offramp"
    IMPORT_ROOT.mkdir(parents=True, exist_ok=True)
    if link.exists() and link.resolve() == target.resolve():
        return IMPORT_ROOT
    if link.is_symlink():
        link.unlink()
    elif link.exists():
        link.rmdir()  # a junction elsewhere (removes the junction only); a real folder here fails loudly
    try:
        link.symlink_to(Path("..", "..", "app"), target_is_directory=True)
    except OSError:
        if sys.platform != "win32":
            raise
        import _winapi  # Windows without the privilege to create links: a junction needs none

        _winapi.CreateJunction(str(target), str(link))
    return IMPORT_ROOT


def executable(bundle: Path, name: str) -> Path:
    return bundle / (f"{name}.exe" if sys.platform == "win32" else name)


def bundled_playbooks(bundle: Path) -> Path:
    """Where a built bundle keeps playbooks/ (PyInstaller's contents folder, or Resources in a macOS .app)."""
    for candidate in (bundle / "_internal" / "playbooks", bundle.parent / "Resources" / "playbooks"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no playbooks folder in the bundle {bundle}")


if __name__ == "__main__":
    print(import_root())  # `make` creates the import root for mypy this way
