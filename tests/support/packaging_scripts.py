"""Loading the scripts under packaging/ by path: packaging/ is no importable package (a folder named
`packaging` must not shadow the PyPI one), and its scripts import each other as plain modules."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def load_script(relative: str, repo: Path = REPO) -> ModuleType:
    """The script at `relative` (e.g. ``packaging/deb.py``) as a module named ``offramp_<path>``.

    Its folder is on sys.path while it loads, so its own imports of the scripts beside it resolve; it is put in
    sys.modules under that name first, because dataclasses look their module up while a class is made."""
    path = repo / relative
    name = "offramp_" + relative.removesuffix(".py").replace("/", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module
