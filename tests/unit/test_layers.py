"""app/core's folders follow the data flow, so each stage may import only the stages before it.

The order is the one docs/architecture.md draws: data, then platform, then scan, then migrate, then fleet
(many hosts' scans), then what reads a migration or a fleet (output) or a scan (export), and the wizard's
logic last. Modules directly under app/core other than wizard_flow are infrastructure (paths, the log,
exit codes…): every stage may use them, and they use only each other. Imports inside functions count
too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "app" / "core"

STAGE_DEPENDENCIES: dict[str, set[str]] = {
    "data": set(),
    "platform": set(),
    "scan": {"data", "platform"},
    "migrate": {"data", "platform", "scan"},
    "fleet": {"data", "scan", "migrate"},  # many hosts' scans, and their migrations' reports
    "output": {"data", "scan", "migrate", "fleet"},
    "export": {"data", "scan"},
    "wizard_flow": {"data", "platform", "scan", "migrate"},
}


def unit_of(name: str) -> str:
    """The stage a module under app/core belongs to, or 'infra' for the shared modules."""
    if name in STAGE_DEPENDENCIES:
        return name
    return "infra"


def imported_units(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[:2] == ["offramp", "core"] and len(parts) > 2:
                first = parts[2]
                if (CORE / first).is_dir() or (CORE / f"{first}.py").is_file():
                    found.add(unit_of(first))
    return found


def module_unit(path: Path) -> str:
    first = path.relative_to(CORE).parts[0]
    return unit_of(first.removesuffix(".py"))


def test_every_stage_imports_only_the_stages_before_it() -> None:
    violations = []
    for path in sorted(CORE.rglob("*.py")):
        unit = module_unit(path)
        allowed = {unit, "infra"} | STAGE_DEPENDENCIES.get(unit, set())
        for target in sorted(imported_units(path) - allowed):
            violations.append(f"{path.relative_to(CORE)} ({unit}) imports {target}")
    assert not violations, "\n".join(violations)


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = CORE / "scan" / "run.py"
    assert "migrate" not in imported_units(module)
    fake = tmp_path / "probe.py"
    fake.write_text("def later():\n    from offramp.core.migrate import plan\n", encoding="utf-8")
    assert imported_units(fake) == {"migrate"}


def test_every_folder_under_core_is_a_known_stage() -> None:
    folders = {p.name for p in CORE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders <= set(STAGE_DEPENDENCIES), folders - set(STAGE_DEPENDENCIES)
