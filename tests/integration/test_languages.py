"""Offramp in Spanish and Russian on a real machine image: a private dpkg root with Kaspersky installed, scanned
and planned with `--lang`, while the JSON for tools stays the same in every language."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import run_cli
from tests.support import linux_fixtures as fx
from tests.support.pkgbed import DpkgRoot

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages


@pytest.fixture
def kaspersky_root(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> DpkgRoot:
    dpkg_root.install(built_packages.deb(fx.KESL), built_packages.deb(fx.KLNAGENT64))
    return dpkg_root


def test_scan_speaks_russian_and_counts_in_russian(kaspersky_root: DpkgRoot) -> None:
    english = run_cli("scan", "--root", str(kaspersky_root.path), "--json")
    count = len(json.loads(english.stdout)["installed"])
    assert count == 2
    russian = run_cli("--lang", "ru", "scan", "--root", str(kaspersky_root.path))
    assert russian.returncode == 1, russian.stderr
    text = russian.stdout
    assert text.startswith("Проверка Offramp: ")
    assert "Kaspersky больше нельзя продавать в США, и с 29 сентября 2024" in text
    assert "Установлено запрещённое ПО (2):" in text and "уверенность: точно" in text
    assert "Итог: установлено 2 запрещённых продукта Kaspersky или Kingsoft." in text
    assert "Banned software" not in text and "Result:" not in text
    spanish = run_cli("--lang", "es", "scan", "--root", str(kaspersky_root.path)).stdout
    assert "Resultado: hay 2 productos prohibidos de Kaspersky o Kingsoft instalados." in spanish


def test_json_stays_english_in_every_language(kaspersky_root: DpkgRoot) -> None:
    def documents(*lang: str) -> list[Any]:
        scan = json.loads(run_cli(*lang, "scan", "--root", str(kaspersky_root.path), "--json").stdout)
        scan.pop("scanned_at", None)
        plan = json.loads(run_cli(*lang, "plan", "--root", str(kaspersky_root.path), "--to", "clamav", "--json").stdout)
        plan.pop("created_at", None)
        return [scan, plan]

    english = documents()
    assert english[1]["steps"][0]["title"] == "Check this machine is ready"
    assert documents("--lang", "ru") == english == documents("--lang", "es")


def test_the_plan_is_shown_in_the_readers_language(kaspersky_root: DpkgRoot) -> None:
    russian = run_cli("--lang", "ru", "plan", "--root", str(kaspersky_root.path), "--to", "clamav")
    assert russian.returncode == 0, russian.stderr
    assert "План для этого компьютера linux (" in russian.stdout
    assert "Проверить, готов ли компьютер" in russian.stdout and "Записать отчёт" in russian.stdout
    # Product names stay as the vendor wrote them inside the translated sentence.
    assert "Удалить Kaspersky Endpoint Security for Linux" in russian.stdout, russian.stdout
