"""Every YAML file Offramp ships is valid, and the shipped data keeps the promises other parts rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from offramp.core import paths
from offramp.core.data.replacements import load_replacements
from offramp.core.data.validation import problems_in, yaml_files
from offramp.core.data.yamlstrict import load

SHIPPED = sorted(yaml_files([paths.playbooks_dir()]))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(Path(p).relative_to(paths.playbooks_dir())))
def test_shipped_file_is_valid(path: Path) -> None:
    assert [str(p) for p in problems_in(load(path))] == []


def test_at_least_ten_real_replacements() -> None:
    real = load_replacements()
    assert len(real) >= 10
    assert all(not r.test_only for r in real)
    assert {"windows", "darwin", "linux"} <= {p for r in real for p in r.platforms}


def test_defender_is_the_one_recommended_on_windows() -> None:
    recommended = [r for r in load_replacements() if "windows" in r.recommended_on]
    assert [r.vendor for r in recommended] == ["Microsoft"]
    assert recommended[0].recommended_reason


def test_test_only_playbooks_are_hidden_from_users() -> None:
    assert "offramp-test-av" not in {r.id for r in load_replacements()}
    assert "offramp-test-av" in {r.id for r in load_replacements(include_test_only=True)}


def test_every_claim_has_a_source_and_a_verified_date() -> None:
    for r in load_replacements(include_test_only=True):
        assert r.sources and r.verified_on.year >= 2024
        for methods in r.install.values():
            assert all(m.sources for m in methods)


def test_a_broken_shipped_file_still_gets_a_precise_error(tmp_path, monkeypatch) -> None:
    import shutil

    from offramp.core.data.catalogue import load_catalogue
    from offramp.core.data.validation import InvalidPlaybook

    fake_root = tmp_path / "data"
    shutil.copytree(paths.playbooks_dir(), fake_root / "playbooks")
    catalogue = fake_root / "playbooks" / "banned" / "kaspersky.yaml"
    catalogue.write_text(catalogue.read_text().replace("vendor:\n", "vendorz:\n", 1))
    monkeypatch.setattr(paths, "data_root", lambda: fake_root)
    with pytest.raises(InvalidPlaybook) as caught:
        load_catalogue(catalogue_id="kaspersky")
    assert any(p.field == "vendorz" and "unknown field" in p.message for p in caught.value.problems)
