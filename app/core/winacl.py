"""Windows security descriptors: who owns a file or folder and who else may change it, judged by one rule.

An elevated Offramp keeps its records under %ProgramData%, whose default access list lets every user create
folders. So a folder found at one of Offramp's names is trusted only when the system's own accounts own it
and no one else may change it, and a folder Offramp makes gets an access list for administrators alone. The
same owner rule tells the deletion which files in a product folder are the system's and which a person's.

The judgement (`problems`) is plain Python over a parsed descriptor (`Security`), so it reads the same
whether the descriptor came from a file (`describe`, by a handle that never follows a link or junction) or
from a security descriptor string (`parse_sddl`). Only `describe`, `parse_sddl` and `make_admin_dir` call
Windows (advapi32 and kernel32 through ctypes); they exist on Windows alone.

Trusted are SYSTEM, Administrators and TrustedInstaller, and the owner of the volume's root folder: whoever
owns `C:\\` may give themselves the right to rename any folder on it, so they can replace Offramp's folder
whatever its own list says (on Windows that owner is one of the three; under Wine it is the Unix user).
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from typing import NamedTuple, NoReturn

SYSTEM = "S-1-5-18"
ADMINISTRATORS = "S-1-5-32-544"
TRUSTED_INSTALLER = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
TRUSTED = frozenset({SYSTEM, ADMINISTRATORS, TRUSTED_INSTALLER})

# What Offramp gives a folder it makes: owned by Administrators, full control for SYSTEM and Administrators
# alone, inherited by everything inside, and protected, so nothing is inherited from %ProgramData%.
ADMINS_ONLY = "O:BAG:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
_ADMINS_ONLY_ANY_OWNER = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

_NAMES = {
    "S-1-1-0": "Everyone",
    "S-1-3-0": "CREATOR OWNER",
    "S-1-3-4": "OWNER RIGHTS",
    "S-1-5-4": "INTERACTIVE",
    "S-1-5-7": "ANONYMOUS LOGON",
    "S-1-5-11": "Authenticated Users",
    "S-1-5-19": "LOCAL SERVICE",
    "S-1-5-20": "NETWORK SERVICE",
    "S-1-5-32-545": "Users",
    "S-1-5-32-546": "Guests",
    SYSTEM: "SYSTEM",
    ADMINISTRATORS: "Administrators",
    TRUSTED_INSTALLER: "TrustedInstaller",
}

# Access rights that let someone change a folder or what is in it, as verbs a person reads.
_RIGHTS = (
    # GENERIC_WRITE; write data or add a file, append or add a folder, extended attributes, attributes
    (0x40000000 | 0x2 | 0x4 | 0x10 | 0x100, "write"),
    (0x00010000 | 0x40, "delete"),  # DELETE, FILE_DELETE_CHILD
    (0x00040000, "change its permissions"),  # WRITE_DAC
    (0x00080000, "take ownership"),  # WRITE_OWNER
    (0x12000000, "have full control"),  # GENERIC_ALL, MAXIMUM_ALLOWED
)
_FULL_CONTROL = 0x001F01FF  # FILE_ALL_ACCESS, "FA"
CHANGE_RIGHTS = sum(bits for bits, _ in _RIGHTS)  # the groups share no bit

_ALLOW_TYPES = frozenset({0x0, 0x5, 0x9, 0xB})  # allowed, allowed-object, allowed-callback, allowed-callback-object
_DENY_TYPES = frozenset({0x1, 0x6, 0xA, 0xC})  # a denial takes rights away; it never gives any
INHERIT_ONLY = 0x08
REPARSE_POINT = 0x400  # FILE_ATTRIBUTE_REPARSE_POINT: symbolic links, junctions, mount points
DIRECTORY = 0x10


class Ace(NamedTuple):
    kind: int  # ACE_HEADER.AceType
    flags: int  # ACE_HEADER.AceFlags (inheritance)
    mask: int
    sid: str


class Security(NamedTuple):
    """An owner and an access list as Windows keeps them; `dacl` None is a NULL list, which lets anyone in."""

    owner: str | None
    dacl: tuple[Ace, ...] | None


class Entry(NamedTuple):
    """What `describe` read through one handle: the file attributes and the security descriptor."""

    attributes: int
    security: Security

    @property
    def is_reparse_point(self) -> bool:
        return bool(self.attributes & REPARSE_POINT)

    @property
    def is_dir(self) -> bool:
        return bool(self.attributes & DIRECTORY)


def name(sid: str | None) -> str:
    """A SID as a person reads it: "Everyone (S-1-1-0)", or the SID alone when it is no well-known one."""
    if sid is None:
        return "no one"
    known = _NAMES.get(sid)
    return f"{known} ({sid})" if known else sid


def is_service_account(sid: str | None) -> bool:
    """A service's own account: LOCAL SERVICE, NETWORK SERVICE or a per-service SID (NT SERVICE\\<name>)."""
    return sid is not None and (sid in ("S-1-5-19", "S-1-5-20") or sid.startswith("S-1-5-80-"))


def trusted_with(volume_owner: str | None) -> frozenset[str]:
    """The SIDs trusted on a volume: SYSTEM, Administrators, TrustedInstaller and the owner of its root folder."""
    return TRUSTED | {volume_owner} if volume_owner else TRUSTED


def problems(security: Security, trusted: frozenset[str] = TRUSTED) -> list[str]:
    """What makes a folder unsafe for an elevated Offramp, in words; [] when only `trusted` SIDs own or may change it.

    Every allowing entry counts, inherit-only ones too: those are the rights given to what is made inside."""
    found = []
    if security.owner not in trusted:
        found.append(f"its owner is {name(security.owner)}, not SYSTEM, Administrators or TrustedInstaller")
    if security.dacl is None:
        found.append("it has no access list, so anyone may change it")
        return found
    for ace in security.dacl:
        if ace.kind in _DENY_TYPES:
            continue
        if ace.kind not in _ALLOW_TYPES:
            found.append(f"it holds an access entry of a kind Offramp does not judge (type {ace.kind})")
            continue
        if ace.sid in trusted or not ace.mask & CHANGE_RIGHTS:
            continue
        full = ace.mask & 0x12000000 or ace.mask & _FULL_CONTROL == _FULL_CONTROL
        rights = "have full control" if full else ", ".join(words for bits, words in _RIGHTS if ace.mask & bits)
        inside = " (for what is made inside it)" if ace.flags & INHERIT_ONLY else ""
        found.append(f"it lets {name(ace.sid)} {rights}{inside}")
    return found


# --- Windows only: reading and making descriptors --------------------------------------------------------
if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    _advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    _PTR = ctypes.c_void_p
    _advapi32.GetSecurityInfo.argtypes = [
        wintypes.HANDLE, ctypes.c_int, wintypes.DWORD,
        ctypes.POINTER(_PTR), ctypes.POINTER(_PTR), ctypes.POINTER(_PTR), ctypes.POINTER(_PTR), ctypes.POINTER(_PTR),
    ]  # fmt: skip
    _advapi32.GetSecurityInfo.restype = wintypes.DWORD
    _advapi32.ConvertStringSecurityDescriptorToSecurityDescriptorW.argtypes = [
        wintypes.LPCWSTR, wintypes.DWORD, ctypes.POINTER(_PTR), ctypes.POINTER(wintypes.ULONG),
    ]  # fmt: skip
    _advapi32.ConvertSidToStringSidW.argtypes = [_PTR, ctypes.POINTER(wintypes.LPWSTR)]
    _advapi32.GetSecurityDescriptorOwner.argtypes = [_PTR, ctypes.POINTER(_PTR), ctypes.POINTER(wintypes.BOOL)]
    _advapi32.GetSecurityDescriptorDacl.argtypes = [
        _PTR, ctypes.POINTER(wintypes.BOOL), ctypes.POINTER(_PTR), ctypes.POINTER(wintypes.BOOL),
    ]  # fmt: skip
    _advapi32.GetAce.argtypes = [_PTR, wintypes.DWORD, ctypes.POINTER(_PTR)]
    _kernel32.LocalFree.argtypes = [_PTR]
    _kernel32.LocalFree.restype = _PTR
    _kernel32.CreateFileW.argtypes = [
        wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, _PTR, wintypes.DWORD, wintypes.DWORD, wintypes.HANDLE,
    ]  # fmt: skip
    _kernel32.CreateFileW.restype = wintypes.HANDLE
    _kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
    _kernel32.CreateDirectoryW.argtypes = [wintypes.LPCWSTR, _PTR]

    class _SecurityAttributes(ctypes.Structure):
        _fields_ = [("nLength", wintypes.DWORD), ("lpSecurityDescriptor", _PTR), ("bInheritHandle", wintypes.BOOL)]

    class _FileBasicInfo(ctypes.Structure):
        _fields_ = [
            ("CreationTime", ctypes.c_int64),
            ("LastAccessTime", ctypes.c_int64),
            ("LastWriteTime", ctypes.c_int64),
            ("ChangeTime", ctypes.c_int64),
            ("FileAttributes", wintypes.DWORD),
        ]

    _kernel32.GetFileInformationByHandleEx.argtypes = [wintypes.HANDLE, ctypes.c_int, _PTR, wintypes.DWORD]

    _SE_FILE_OBJECT = 1
    _OWNER_AND_DACL = 0x1 | 0x4  # OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION
    _READ_CONTROL_AND_ATTRIBUTES = 0x00020000 | 0x80  # READ_CONTROL | FILE_READ_ATTRIBUTES
    _SHARE_ALL = 0x1 | 0x2 | 0x4
    _OPEN_EXISTING = 3
    # A folder needs backup semantics to be opened at all; a link or junction is opened itself, never followed.
    _OPEN_NAME_ITSELF = 0x02000000 | 0x00200000  # FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT
    _INVALID_HANDLE = wintypes.HANDLE(-1).value
    _FILE_BASIC_INFO = 0
    _ERROR_ALREADY_EXISTS = 183
    _ERROR_INVALID_OWNER = 1307
    _NOT_FOUND = (2, 3)  # ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND

    def _error(what: str, path: str | None = None, code: int | None = None) -> OSError:
        code = ctypes.get_last_error() if code is None else code
        if code in _NOT_FOUND:
            return FileNotFoundError(2, f"{what}: {ctypes.FormatError(code).strip()}", path)
        return OSError(None, f"{what}: {ctypes.FormatError(code).strip()}", path, code)

    def _sid_text(sid: int | None) -> str | None:
        if not sid:
            return None
        text = wintypes.LPWSTR()
        if not _advapi32.ConvertSidToStringSidW(sid, ctypes.byref(text)):
            raise _error("cannot read a SID")
        try:
            return text.value
        finally:
            _kernel32.LocalFree(ctypes.cast(text, _PTR))

    def _aces(acl: int) -> tuple[Ace, ...]:
        count = ctypes.cast(acl + 4, ctypes.POINTER(wintypes.WORD))[0]  # ACL: revision, sbz1, size, AceCount
        aces = []
        for index in range(count):
            ace = _PTR()
            if not _advapi32.GetAce(acl, index, ctypes.byref(ace)):
                raise _error("cannot read an access entry")
            address = ace.value or 0
            kind, flags = ctypes.cast(address, ctypes.POINTER(ctypes.c_ubyte))[0:2]
            mask = ctypes.cast(address + 4, ctypes.POINTER(wintypes.DWORD))[0]
            sid_at = address + 8
            if kind in (0x5, 0x6, 0xB, 0xC):  # object entries: Flags, then the GUIDs that Flags say are there
                object_flags = ctypes.cast(sid_at, ctypes.POINTER(wintypes.DWORD))[0]
                sid_at += 4 + 16 * bin(object_flags & 0x3).count("1")
            aces.append(Ace(kind=kind, flags=flags, mask=mask, sid=_sid_text(sid_at) or ""))
        return tuple(aces)

    def _security(descriptor: int) -> Security:
        owner, defaulted, present, dacl = _PTR(), wintypes.BOOL(), wintypes.BOOL(), _PTR()
        if not _advapi32.GetSecurityDescriptorOwner(descriptor, ctypes.byref(owner), ctypes.byref(defaulted)):
            raise _error("cannot read the owner")
        if not _advapi32.GetSecurityDescriptorDacl(
            descriptor, ctypes.byref(present), ctypes.byref(dacl), ctypes.byref(defaulted)
        ):
            raise _error("cannot read the access list")
        aces = _aces(dacl.value) if present and dacl.value else None
        return Security(_sid_text(owner.value), aces)

    def _from_sddl(text: str) -> int:
        descriptor = _PTR()
        if not _advapi32.ConvertStringSecurityDescriptorToSecurityDescriptorW(text, 1, ctypes.byref(descriptor), None):
            why = ctypes.FormatError(ctypes.get_last_error()).strip()
            raise ValueError(f"not a security descriptor string: {text!r} ({why})")
        return descriptor.value or 0

    def parse_sddl(text: str) -> Security:
        """A security descriptor string (SDDL) read by Windows itself, as `describe` would report such a file."""
        descriptor = _from_sddl(text)
        try:
            return _security(descriptor)
        finally:
            _kernel32.LocalFree(descriptor)

    def describe(path: str | os.PathLike[str]) -> Entry:
        """The attributes, owner and access list of the file or folder at `path` itself (a link or junction is
        described, never followed), read through one handle. FileNotFoundError when nothing is there."""
        where = os.fspath(path)
        handle = _kernel32.CreateFileW(
            where, _READ_CONTROL_AND_ATTRIBUTES, _SHARE_ALL, None, _OPEN_EXISTING, _OPEN_NAME_ITSELF, None
        )
        if handle in (None, _INVALID_HANDLE):
            raise _error(f"cannot open {where}", where)
        try:
            basic = _FileBasicInfo()
            if not _kernel32.GetFileInformationByHandleEx(
                handle, _FILE_BASIC_INFO, ctypes.byref(basic), ctypes.sizeof(basic)
            ):
                raise _error(f"cannot read the attributes of {where}", where)
            descriptor = _PTR()
            code = _advapi32.GetSecurityInfo(
                handle, _SE_FILE_OBJECT, _OWNER_AND_DACL, None, None, None, None, ctypes.byref(descriptor)
            )
            if code:
                raise _error(f"cannot read who owns {where}", where, code)
            try:
                return Entry(basic.FileAttributes, _security(descriptor.value or 0))
            finally:
                _kernel32.LocalFree(descriptor)
        finally:
            _kernel32.CloseHandle(handle)

    def make_admin_dir(path: str | os.PathLike[str]) -> bool:
        """Creates the folder with `ADMINS_ONLY` as its descriptor from the first moment (no window in which it
        has %ProgramData%'s list). False when something is there already; the caller checks what it got."""
        where = os.fspath(path)
        for text in (ADMINS_ONLY, _ADMINS_ONLY_ANY_OWNER):
            descriptor = _from_sddl(text)
            try:
                attributes = _SecurityAttributes(ctypes.sizeof(_SecurityAttributes), descriptor, False)
                if _kernel32.CreateDirectoryW(where, ctypes.byref(attributes)):
                    return True
                code = ctypes.get_last_error()
            finally:
                _kernel32.LocalFree(descriptor)
            if code == _ERROR_ALREADY_EXISTS:
                return False
            if code != _ERROR_INVALID_OWNER:
                raise _error(f"cannot create {where}", where, code)
            # This token may not name Administrators as owner (a policy can change that): the folder then gets
            # the token's default owner, which the caller's check judges like any other.
        raise _error(f"cannot create {where}", where, _ERROR_INVALID_OWNER)
else:

    def _windows_only(*_: object) -> NoReturn:
        raise OSError(errno.ENOSYS, "Windows security descriptors exist on Windows only")

    parse_sddl: Callable[[str], Security] = _windows_only
    describe: Callable[[str | os.PathLike[str]], Entry] = _windows_only
    make_admin_dir: Callable[[str | os.PathLike[str]], bool] = _windows_only
