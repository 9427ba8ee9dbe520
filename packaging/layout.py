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


def version() -> str:
    """app.__version__, read without importing the app into the build process."""
    source = (ROOT / "app" / "__init__.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise RuntimeError("app/__init__.py sets no __version__")


def executable(bundle: Path, name: str) -> Path:
    return bundle / (f"{name}.exe" if sys.platform == "win32" else name)


def bundled_playbooks(bundle: Path) -> Path:
    """Where a built bundle keeps playbooks/ (PyInstaller's contents folder, or Resources in a macOS .app)."""
    for candidate in (bundle / "_internal" / "playbooks", bundle.parent / "Resources" / "playbooks"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no playbooks folder in the bundle {bundle}")
