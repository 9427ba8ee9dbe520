"""Clean-up on a macOS system tree: a launchd job and a kext left after the app went to the Trash are removed
by the path of the row that matched (a job is found by its label, its plist is what goes), and nothing else."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.conftest import run_cli
from tests.support import macos_tree


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


def test_leftovers_found_by_label_go_by_their_path(tmp_path: Path) -> None:
    root = macos_tree.build_leftovers(tmp_path / "mac")
    before = _files(root)
    policy = tmp_path / "policy.yaml"
    policy.write_text("kind: policy\nschema_version: 1\nleftovers: {silent: remove}\n")
    result = run_cli("migrate", "--silent", "--remove-only", "--root", str(root), "--policy", str(policy))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Remove by hand" not in result.stdout
    gone = {name for name in before if name not in _files(root)}
    assert gone == {macos_tree.KAV_DAEMON.lstrip("/"), f"{macos_tree.KLIF_KEXT.lstrip('/')}/Contents/Info.plist"}
    assert not (root / macos_tree.KLIF_KEXT.lstrip("/")).exists()
    assert run_cli("scan", "--root", str(root)).returncode == 0
