"""The interface each platform back-end offers the migration runner, and the results it returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass
class ActionResult:
    ok: bool
    message: str
    code: int | None = None  # the tool's own exit code, for the journal
    reboot: str = "none"  # none, required, started
    retry_later: bool = False
    blocked: bool = False  # a password or self-defence stopped it
    timed_out: bool = False
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class VerifyResult:
    installed: bool
    protecting: bool | None  # None: this system cannot say (a mounted root, no Security Center)
    checks: list[tuple[str, bool | None, str]] = field(default_factory=list)  # (check, passed, detail)


class PosixRoot:
    """The root a Linux or macOS back-end works on: "/" for this machine, or a sandbox / mounted system."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else None
        self._base = self.root or Path("/")
        self.sandbox = self.root is not None and self.root.resolve() != Path("/")

    def is_elevated(self) -> bool:
        import os

        # A private root is ours to change; the live system needs root.
        return self.sandbox or os.geteuid() == 0


class SystemBackend(Protocol):
    platform: str
    root: Path | None

    def is_elevated(self) -> bool: ...
    def pending_reboot(self) -> bool: ...
    def free_bytes(self, folder: Path) -> int: ...
    def is_server(self) -> bool: ...
    def boot_id(self) -> str: ...
    def product_present(self, params: dict[str, Any]) -> bool: ...
    def uninstall(
        self, params: dict[str, Any], secrets: dict[str, str], timeout: float, between: Callable[[], None] = ...
    ) -> ActionResult: ...
    def replacement_present(self, verify: dict[str, Any]) -> bool: ...
    def install(self, params: dict[str, Any], staged: Path | None, timeout: float) -> ActionResult: ...
    def stage_package(self, params: dict[str, Any], timeout: float) -> ActionResult: ...
    def verify(self, verify: dict[str, Any]) -> VerifyResult: ...
    def remove_leftover(self, kind: str, name: str, named: Callable[[str], bool]) -> ActionResult: ...
    def register_resume(self, argv: list[str]) -> str: ...
    def unregister_resume(self) -> None: ...
    def request_reboot(self) -> ActionResult: ...
