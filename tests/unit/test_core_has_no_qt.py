"""app/core must never import Qt: the CLI, the silent mode and the tests drive it without a GUI stack."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "app" / "core"
QT_PACKAGES = {"PySide6", "PyQt5", "PyQt6", "PySide2", "shiboken6", "qtpy"}


def imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_module_under_core_imports_qt() -> None:
    offenders = {
        str(path.relative_to(CORE)): sorted(imported_roots(path.read_text()) & QT_PACKAGES)
        for path in CORE.rglob("*.py")
        if imported_roots(path.read_text()) & QT_PACKAGES
    }
    assert offenders == {}


def test_the_checker_would_catch_an_import() -> None:
    assert imported_roots("from PySide6.QtCore import QObject\n") & QT_PACKAGES
    assert imported_roots("def f():\n    import PySide6.QtWidgets\n") & QT_PACKAGES


def test_importing_every_core_module_loads_no_qt() -> None:
    modules = sorted(
        ".".join(("offramp", "core", *path.relative_to(CORE).with_suffix("").parts))
        for path in CORE.rglob("*.py")
        if path.name != "__init__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n    importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(QT_PACKAGES)!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=CORE.parents[1])
    assert out.stdout.strip() == "[]"
    assert len(modules) >= 5
