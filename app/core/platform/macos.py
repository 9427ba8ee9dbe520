"""The macOS back-end for migrations: the vendor's uninstall scripts, pkgutil receipts, a LaunchDaemon to resume.

macOS cannot run in Offramp's test environment; this back-end keeps to documented, simple tools
(the vendor's UninstallScript, pkgutil, launchctl, shutdown) and is exercised through dry runs.
"""

from __future__ import annotations

import plistlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from offramp.core.platform import commands, deletion
from offramp.core.platform.base import ActionResult, PosixRoot, VerifyResult

RESUME_LABEL = "org.offramp.resume"


class MacBackend(PosixRoot):
    platform = "darwin"

    def pending_reboot(self) -> bool:
        return False

    def free_bytes(self, folder: Path) -> int:
        return shutil.disk_usage(folder).free

    def is_server(self) -> bool:
        return False

    def boot_id(self) -> str:
        result = commands.run(["sysctl", "-n", "kern.boottime"], timeout=10, log=False)
        return result.stdout.strip() or "unknown"

    def product_present(self, params: dict[str, Any]) -> bool:
        path = params.get("path")
        return bool(path) and (self._base / str(path).lstrip("/")).exists()

    def uninstall(
        self,
        params: dict[str, Any],
        secrets: dict[str, str],
        timeout: float,
        between: Callable[[], None] = lambda: None,
    ) -> ActionResult:
        if params.get("method") != "script" or not params.get("path"):
            return ActionResult(False, "this product is removed by its own uninstaller, which needs a person")
        if self.sandbox:
            return ActionResult(False, "a mounted system's uninstall script cannot be run from here")
        result = commands.run(["/bin/sh", str(params["path"])], timeout=timeout)
        return ActionResult(
            result.ok,
            "removed" if result.ok else result.stderr.strip()[-300:],
            code=result.returncode,
            reboot="required" if result.ok else "none",
            timed_out=result.timed_out,
        )

    def install_formats(self) -> frozenset[str]:
        return frozenset({"pkg"})

    def stage_package(self, params: dict[str, Any], timeout: float) -> ActionResult:
        return ActionResult(True, "nothing to download")

    def replacement_present(self, verify: dict[str, Any]) -> bool:
        return False

    def install(self, params: dict[str, Any], staged: Path | None, timeout: float) -> ActionResult:
        if params.get("method") == "builtin":
            return ActionResult(True, "built into macOS")
        if params.get("method") == "download" and staged is not None and params.get("format") == "pkg":
            result = commands.run(["/usr/sbin/installer", "-pkg", str(staged), "-target", "/"], timeout=timeout)
            return ActionResult(
                result.ok, "installed" if result.ok else result.stderr.strip()[-300:], code=result.returncode
            )
        return ActionResult(False, f"the '{params.get('method')}' install method needs a person on macOS")

    def verify(self, verify: dict[str, Any]) -> VerifyResult:
        checks: list[tuple[str, bool | None, str]] = []
        for bundle in verify.get("apps", []):
            result = commands.run(["mdfind", f"kMDItemCFBundleIdentifier == '{bundle}'"], timeout=30, log=False)
            found = bool(result.stdout.strip())
            checks.append((f"app {bundle}", found, "found" if found else "not found"))
        return VerifyResult(installed=all(p for _, p, _ in checks) and bool(checks), protecting=None, checks=checks)

    def remove_leftover(self, kind: str, name: str, named: Callable[[str], bool]) -> ActionResult:
        if kind in ("folder", "file", "launchd", "app", "kext"):
            removal = deletion.delete(self._base, name, named=named)
            return ActionResult(removal.ok, removal.summary(), data={"deletions": [removal.record()]})
        if kind == "receipt":
            if not named(name):
                return ActionResult(False, f"{name} is not a receipt the catalogue names")
            result = commands.run(["pkgutil", "--forget", name], timeout=60)
            return ActionResult(result.ok, f"forgot receipt {name}")
        return ActionResult(False, f"Offramp does not remove {kind} leftovers on macOS")

    def register_resume(self, argv: list[str]) -> str:
        path = self._base / "Library/LaunchDaemons" / f"{RESUME_LABEL}.plist"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(plistlib.dumps({"Label": RESUME_LABEL, "ProgramArguments": argv, "RunAtLoad": True}))
        return str(path)

    def unregister_resume(self) -> None:
        ours = f"/Library/LaunchDaemons/{RESUME_LABEL}.plist"
        deletion.delete(self._base, ours, named=ours.__eq__)

    def request_reboot(self) -> ActionResult:
        result = commands.run(["/sbin/shutdown", "-r", "+1"], timeout=60)
        return ActionResult(result.ok, "restart in one minute", reboot="started")
