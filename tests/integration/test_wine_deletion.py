"""The Windows branch of the one deletion function, in Windows CPython under Wine: a named folder goes, a path
with `..` or one nobody named is refused, a folder beside it is untouched, and a file someone else owns is
kept with the folders holding it.

Wine 8 cannot make junctions or directory links a Windows program sees (CreateJunction fails, symlinks
do not appear), so the reparse-point rules are tested on Linux through the same walker
(tests/unit/test_deletion.py); here the real `os.name == "nt"` branch runs on a real tree. Wine reports a
file's owner from its Unix owner: its own user (who owns C:\\ too) or, for any other uid, ANONYMOUS LOGON.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.support.winebed import WineBed

pytestmark = [pytest.mark.wine, pytest.mark.slow]

SNIPPET = r"""
import json, os
from offramp.core.platform import deletion
from offramp.core.scan.matching import is_under

base = r"C:\ProgramData\Kaspersky Lab\offramp-test"
os.makedirs(base + r"\sub", exist_ok=True)
open(base + r"\sub\f.txt", "w").write("product")
os.makedirs(r"C:\users\Public\offramp-keep", exist_ok=True)
open(r"C:\users\Public\offramp-keep\user.txt", "w").write("mine")
named = lambda path: is_under(path, r"C:\ProgramData\Kaspersky Lab")
escape = deletion.delete(None, base + r"\..\..\..\users\Public\offramp-keep", named=named)
unnamed = deletion.delete(None, r"C:\users\Public\offramp-keep", named=named)
product = deletion.delete(None, base, named=named)
print(json.dumps({
    "escape": escape.ok, "unnamed": unnamed.ok, "product": product.record(),
    "kept": os.path.exists(r"C:\users\Public\offramp-keep\user.txt"), "gone": not os.path.exists(base),
}))
"""


def test_the_windows_branch_deletes_what_is_named_and_nothing_else(winebed: WineBed) -> None:
    result = winebed.python(["-c", SNIPPET], cwd=winebed.repo, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert (found["escape"], found["unnamed"], found["kept"], found["gone"]) == (False, False, True, True)
    assert (found["product"]["type"], found["product"]["removed"], found["product"]["size"]) == ("directory", 3, 7)


KEEP_SNIPPET = r"""
import json
from offramp.core.platform import deletion
from offramp.core.scan.matching import is_under

base = r"C:\ProgramData\Kaspersky Lab\offramp-owners"
result = deletion.delete(None, base, named=lambda path: is_under(path, r"C:\ProgramData\Kaspersky Lab"))
print(json.dumps(result.record()))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another Unix user needs root")
def test_a_file_someone_else_owns_is_kept_with_the_folders_holding_it(winebed: WineBed) -> None:
    base = winebed.host_path(r"C:\ProgramData\Kaspersky Lab\offramp-owners")
    for rel, text in {"bin/tool.exe": "product", "data/db": "product", "data/notes.txt": "a user's notes"}.items():
        (base / rel).parent.mkdir(parents=True, exist_ok=True)
        (base / rel).write_text(text)
    os.chown(base / "data/notes.txt", 1000, 1000)
    try:
        result = winebed.python(["-c", KEEP_SNIPPET], cwd=winebed.repo, timeout=180)
        assert result.returncode == 0, result.stdout + result.stderr
        record = json.loads(result.stdout.strip().splitlines()[-1])
        assert record["kept"] == [
            {
                "path": r"C:\ProgramData\Kaspersky Lab\offramp-owners\data\notes.txt",
                "why": "it belongs to ANONYMOUS LOGON (S-1-5-7), not to the system or the product",
            }
        ]
        assert (base / "data/notes.txt").read_text() == "a user's notes"
        assert not (base / "bin").exists() and not (base / "data/db").exists()
        assert (record["removed"], record["size"]) == (3, 14)  # bin\tool.exe, bin, data\db
    finally:
        shutil.rmtree(base, ignore_errors=True)
