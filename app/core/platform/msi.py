"""What a Windows Installer (msiexec) exit code means, as documented by Microsoft, and the msiexec command lines.

Success comes in several forms (nothing to remove, restart needed, restart started), and the
runner must treat each as what it is: 1605 on an uninstall means the product is already gone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MsiOutcome:
    code: int
    ok: bool
    reboot: str  # "none", "required", "started"
    retry_later: bool
    meaning: str


_KNOWN = {
    0: MsiOutcome(0, True, "none", False, "completed"),
    1605: MsiOutcome(1605, True, "none", False, "not installed (nothing to remove)"),
    1641: MsiOutcome(1641, True, "started", False, "completed; the installer started a restart"),
    3010: MsiOutcome(3010, True, "required", False, "completed; a restart is required to finish"),
    1618: MsiOutcome(1618, False, "none", True, "another installation is in progress"),
    1602: MsiOutcome(1602, False, "none", False, "cancelled by the user"),
    1603: MsiOutcome(1603, False, "none", False, "fatal error during installation"),
    1614: MsiOutcome(1614, True, "none", False, "product is uninstalled"),
    1619: MsiOutcome(1619, False, "none", False, "the installation package could not be opened"),
    1625: MsiOutcome(1625, False, "none", False, "forbidden by system policy"),
}


def interpret(code: int) -> MsiOutcome:
    return _KNOWN.get(code, MsiOutcome(code, False, "none", False, f"failed with code {code}"))


def uninstall_argv(
    product_code: str, properties: dict[str, str] | None = None, log_file: str | None = None
) -> list[str]:
    argv = ["msiexec.exe", "/x", product_code, "/qn", "/norestart"]
    argv += [f"{k}={v}" for k, v in (properties or {}).items()]
    if log_file:
        argv += ["/L*v", log_file]
    return argv


def install_argv(package: str, extra: list[str] | None = None) -> list[str]:
    return ["msiexec.exe", "/i", package, *(extra or ["/qn", "/norestart"])]


def utf16le_hex(password: str) -> str:
    """Network Agent's KLUNINSTPASSWD: the password's UTF-16LE bytes as hex (upper case)."""
    return password.encode("utf-16-le").hex().upper()
