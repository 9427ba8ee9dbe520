"""An elevated Offramp's own folders under %ProgramData%\\Offramp, in Windows CPython under Wine: made for the
administrators alone, accepted again on the next run, and refused, with nothing written into them and exit 31,
when someone else made them or may change them; and the judgement of real security descriptors.

What Wine 8 keeps of a security descriptor decides what can run here for real (its server derives a file's
descriptor from the Unix file, and stores none in an extended attribute):

* the owner is the Unix owner: the Unix user Wine runs as (S-1-5-21-0-0-0-1000, who also owns C:\\) or, for
  any other uid, ANONYMOUS LOGON (S-1-5-7). SetNamedSecurityInfoW accepts a new owner and drops it;
* an access list becomes mode bits: Everyone's rights are the "other" bits, the owner's the "user" bits, and
  SYSTEM always has full control. Entries for other SIDs, inheritance flags and protection are not kept;
* there are no reparse points: CreateJunction fails (ERROR_NOT_SUPPORTED) and a Unix symbolic link is a
  plain folder to Windows. The junction rule runs on Linux with stand-ins (tests/unit/test_winacl.py).

So the verdicts on descriptors Wine cannot store (Users, Authenticated Users, CREATOR OWNER, a TrustedInstaller
owner…) are tested on descriptors Windows' own parser builds from SDDL, and the live runs use what Wine keeps:
an Everyone entry and the owner.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from offramp.core import exitcodes
from tests.matrix.tally import Tally
from tests.support.winebed import WineBed

pytestmark = [pytest.mark.wine, pytest.mark.slow]

BASE = r"C:\ProgramData\Offramp"
TRUSTED_INSTALLER = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
MODIFY = "0x1301bf"  # FILE_GENERIC_READ | FILE_GENERIC_WRITE | FILE_GENERIC_EXECUTE | DELETE: "Modify"

# (case, SDDL, refused?) for a folder at one of Offramp's names.
VERDICTS = [
    ("what Offramp writes", "O:BAG:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", False),
    ("owned by SYSTEM", "O:SYG:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", False),
    ("owned by TrustedInstaller", f"O:{TRUSTED_INSTALLER}D:(A;;FA;;;SY)", False),
    ("Users may read", "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)", False),
    ("Everyone denied", "O:BAD:P(D;OICI;FA;;;WD)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", False),
    ("an empty list (no one but the owner)", "O:BAD:P", False),
    (
        "%ProgramData%'s own list",
        "O:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;CIIO;GA;;;CO)(A;OICI;0x1200a9;;;BU)(A;CI;DCLCRPCR;;;BU)",
        True,
    ),  # fmt: skip
    ("Everyone may modify", f"O:BAD:(A;OICI;FA;;;SY)(A;OICI;{MODIFY};;;WD)", True),
    ("Authenticated Users may modify", f"O:BAD:(A;OICI;FA;;;SY)(A;OICI;{MODIFY};;;AU)", True),
    ("Users may add files", "O:BAD:(A;OICI;FA;;;SY)(A;;0x2;;;BU)", True),
    ("Users may add folders", "O:BAD:(A;OICI;FA;;;SY)(A;;0x4;;;BU)", True),
    ("a user may write", "O:BAD:(A;OICI;FA;;;SY)(A;OICI;FW;;;S-1-5-21-1-2-3-1001)", True),
    ("a user has generic write", "O:BAD:(A;OICI;FA;;;SY)(A;OICI;GW;;;S-1-5-21-1-2-3-1001)", True),
    ("CREATOR OWNER, for what is made inside", "O:BAD:(A;OICI;FA;;;SY)(A;OICIIO;GA;;;CO)", True),
    ("Users may delete", "O:BAD:(A;OICI;FA;;;SY)(A;;SD;;;BU)", True),
    ("Users may delete what is inside", "O:BAD:(A;OICI;FA;;;SY)(A;;0x40;;;BU)", True),
    ("Users may change permissions", "O:BAD:(A;OICI;FA;;;SY)(A;;WD;;;BU)", True),
    ("Users may take ownership", "O:BAD:(A;OICI;FA;;;SY)(A;;WO;;;BU)", True),
    # Wine parses "D:NO_ACCESS_CONTROL" as an empty list, not a NULL one; a descriptor without any list is NULL too.
    ("no access list at all", "O:BA", True),
    ("owned by a user", "O:S-1-5-21-1-2-3-1001D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", True),
    ("owned by Users", "O:BUD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", True),
    ("owned by Everyone", "O:WDD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", True),
]

JUDGE = r"""
import json, sys
from offramp.core import winacl
cases = json.loads(sys.argv[1])
print(json.dumps({label: winacl.problems(winacl.parse_sddl(sddl)) for label, sddl in cases}))
"""

# Plants a folder as a user would: made by plain mkdir, its list set through SetNamedSecurityInfoW.
PLANT = r"""
import ctypes, os, sys
from ctypes import wintypes
advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
advapi32.ConvertStringSecurityDescriptorToSecurityDescriptorW.argtypes = [
    wintypes.LPCWSTR, wintypes.DWORD, ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p]
advapi32.GetSecurityDescriptorDacl.argtypes = [
    ctypes.c_void_p, ctypes.POINTER(wintypes.BOOL), ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(wintypes.BOOL)]
advapi32.SetNamedSecurityInfoW.argtypes = [
    wintypes.LPWSTR, ctypes.c_int, wintypes.DWORD, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
path, sddl = sys.argv[1], sys.argv[2]
os.makedirs(path, exist_ok=True)
sd, present, dacl, defaulted = ctypes.c_void_p(), wintypes.BOOL(), ctypes.c_void_p(), wintypes.BOOL()
assert advapi32.ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, 1, ctypes.byref(sd), None)
assert advapi32.GetSecurityDescriptorDacl(sd, ctypes.byref(present), ctypes.byref(dacl), ctypes.byref(defaulted))
sys.exit(advapi32.SetNamedSecurityInfoW(path, 1, 4, None, None, dacl, None))
"""

DESCRIBE = r"""
import json, sys
from offramp.core import winacl
print(json.dumps({path: winacl.describe(path).security.dacl for path in sys.argv[1:]}))
"""


@pytest.fixture
def bed(winebed: WineBed, monkeypatch: pytest.MonkeyPatch) -> Iterator[WineBed]:
    """The shared bed with no %ProgramData%\\Offramp before and after (other tests use OFFRAMP_HOME), and no
    OFFRAMP_HOME for the Windows programs, so Offramp uses the system's folders."""
    monkeypatch.delenv("OFFRAMP_HOME")
    shutil.rmtree(winebed.host_path(BASE), ignore_errors=True)
    yield winebed
    shutil.rmtree(winebed.host_path(BASE), ignore_errors=True)


def _last_json(bed: WineBed, script: str, *args: str) -> dict[str, Any]:
    result = bed.python(["-c", script, *args], cwd=bed.repo, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def _plant(bed: WineBed, path: str, sddl: str) -> None:
    result = bed.python(["-c", PLANT, path, sddl], timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _elevated_run(bed: WineBed) -> tuple[int, str]:
    """`offramp resume --silent` with the system's folders: it opens the lock in the state folder first, and
    with no migration to resume it exits 2. Wine's user is an administrator, so Offramp runs elevated."""
    result = bed.offramp("resume", "--silent", timeout=180)
    return result.returncode, result.stdout + result.stderr


def test_real_security_descriptors_are_judged(winebed: WineBed) -> None:
    tally = Tally("Windows folder security descriptors")
    verdicts = _last_json(winebed, JUDGE, json.dumps([(label, sddl) for label, sddl, _ in VERDICTS]))
    for label, _, refused in VERDICTS:
        found = verdicts[label]
        tally.case(f"{label}: {'refused' if refused else 'accepted'}", bool(found) == refused, "; ".join(found))
    refusals = sum(refused for _, _, refused in VERDICTS)
    print(f"\nWindows ACL verdicts: tried {len(VERDICTS)}, refused {refusals}, accepted {len(VERDICTS) - refusals}")
    tally.report()


def test_offramp_makes_its_folders_for_administrators_and_accepts_them_on_the_next_run(bed: WineBed) -> None:
    first = _elevated_run(bed)
    assert first[0] == exitcodes.USAGE and "no unfinished migration" in first[1], first
    lists = _last_json(bed, DESCRIBE, r"C:\ProgramData", BASE, BASE + r"\state", BASE + r"\logs")
    everyone = [path for path, aces in lists.items() if any(sid == "S-1-1-0" for *_, sid in aces)]
    # A plain folder in %ProgramData% inherits Everyone's read; Offramp's were created with their own list.
    assert everyone == [r"C:\ProgramData"], lists
    second = _elevated_run(bed)
    assert second[0] == exitcodes.USAGE and "no unfinished migration" in second[1], second
    log = bed.host_path(BASE + r"\logs\offramp.jsonl").read_text(encoding="utf-8")
    assert log.count('"log.start"') == 2 and (bed.host_path(BASE + r"\state") / "migration.lock").is_file()


def test_a_folder_everyone_may_modify_is_refused_and_nothing_written_into_it(bed: WineBed) -> None:
    _plant(bed, BASE, f"D:(A;OICI;FA;;;SY)(A;OICI;{MODIFY};;;WD)")
    code, said = _elevated_run(bed)
    assert code == exitcodes.RECORDS_INACCESSIBLE, said
    assert "lets Everyone (S-1-1-0) write, delete" in said and "delete it as an administrator" in said, said
    assert list(bed.host_path(BASE).iterdir()) == []


def test_a_sub_folder_everyone_may_modify_is_refused(bed: WineBed) -> None:
    assert _elevated_run(bed)[0] == exitcodes.USAGE  # the base folder, made by Offramp
    shutil.rmtree(bed.host_path(BASE + r"\state"))
    _plant(bed, BASE + r"\state", f"D:(A;OICI;FA;;;SY)(A;OICI;{MODIFY};;;WD)")
    code, said = _elevated_run(bed)
    assert code == exitcodes.RECORDS_INACCESSIBLE and "state is not safe" in said, said
    assert list(bed.host_path(BASE + r"\state").iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another Unix user needs root")
def test_a_folder_another_user_made_is_refused(bed: WineBed) -> None:
    folder = bed.host_path(BASE)
    folder.mkdir(mode=0o755)
    os.chown(folder, 1000, 1000)  # Wine reports any uid but its own as ANONYMOUS LOGON
    code, said = _elevated_run(bed)
    assert code == exitcodes.RECORDS_INACCESSIBLE, said
    assert "its owner is ANONYMOUS LOGON (S-1-5-7)" in said, said
    assert list(folder.iterdir()) == []
