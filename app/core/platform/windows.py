"""The Windows back-end for migrations: msiexec, the registry, services, Security Center, winget, RunOnce.

Every change goes through a Windows tool run by the one command runner (msiexec, reg, sc, winget,
schtasks, shutdown), so each action is logged with its arguments (passwords redacted) and its exit
code; reads go through the Registry interface.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from offramp.core.platform import commands, deletion, msi
from offramp.core.platform.base import ActionResult, VerifyResult
from offramp.core.platform.registry import Registry

UNINSTALL_ROOTS = (
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
)
RUNONCE = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce"
RESUME_NAME = "OfframpResume"
SERVICES = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services"


class WindowsBackend:
    platform = "windows"

    def __init__(
        self,
        registry: Registry | None = None,
        security_center: Any = None,
        run: Callable[..., commands.CommandResult] = commands.run,
    ):
        self._run = run
        if registry is None:
            from offramp.core.platform.registry import live

            registry = live()
        self.registry = registry
        self._security_center = security_center

    def _values(self, path: str) -> dict[str, Any]:
        return {name: data for name, _kind, data in self.registry.values(path)}

    def is_elevated(self) -> bool:
        try:
            import ctypes

            return bool(ctypes.windll.shell32.IsUserAnAdmin())  # type: ignore[attr-defined]
        except (AttributeError, OSError):
            return False

    def pending_reboot(self) -> bool:
        cbs = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing"
        wu = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update"
        return "RebootPending" in self.registry.subkeys(cbs) or "RebootRequired" in self.registry.subkeys(wu)

    def free_bytes(self, folder: Path) -> int:
        return shutil.disk_usage(folder).free

    def is_server(self) -> bool:
        values = self._values("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion")
        return str(values.get("InstallationType", "")).lower() == "server"

    def boot_id(self) -> str:
        try:
            import psutil

            return str(int(psutil.boot_time()))
        except Exception:  # psutil may be partial under Wine; a restart is then confirmed by the person
            return "unknown"

    def _installed_codes(self) -> set[str]:
        codes = set()
        for root in UNINSTALL_ROOTS:
            codes |= {sub.upper() for sub in self.registry.subkeys(root)}
        return codes

    def product_present(self, params: dict[str, Any]) -> bool:
        if params.get("method") == "msi":
            installed = self._installed_codes()
            return any(code.upper() in installed for code in params.get("product_codes", []))
        return True  # other methods: only a rescan can tell

    def uninstall(
        self,
        params: dict[str, Any],
        secrets: dict[str, str],
        timeout: float,
        between: Callable[[], None] = lambda: None,
    ) -> ActionResult:
        if params.get("method") != "msi":
            return ActionResult(False, "this product is removed by its own uninstaller, which needs a person")
        properties: dict[str, str] = {}
        if params.get("password") == "kes-login" and secrets.get("kes_password"):
            properties = {"KLLOGIN": secrets.get("kes_login", "KLAdmin"), "KLPASSWD": secrets["kes_password"]}
        elif params.get("password") == "network-agent" and secrets.get("network_agent_password"):
            properties = {"KLUNINSTPASSWD": msi.utf16le_hex(secrets["network_agent_password"])}
        # The account name is masked too when it is long enough to mask; it is not a secret, so a short one
        # (which the masker refuses) is simply shown.
        secret_values = [v for k, v in {**properties, **secrets}.items() if k not in ("KLLOGIN", "kes_login")]
        secret_values += [v for v in (properties.get("KLLOGIN"), secrets.get("kes_login")) if v and len(v) >= 4]
        reboot = "none"
        for code in params.get("product_codes", []):
            result = self._run(msi.uninstall_argv(code, properties), timeout=timeout, secrets=secret_values)
            if result.timed_out:
                return ActionResult(
                    False,
                    f"the uninstaller for {code} did not finish in {int(timeout)} s and was stopped",
                    timed_out=True,
                )
            outcome = msi.interpret(result.returncode if result.returncode is not None else -1)
            if outcome.retry_later:
                return ActionResult(False, outcome.meaning, code=outcome.code, retry_later=True)
            if not outcome.ok:
                blocked = outcome.code == 1603 and params.get("password") != "none"
                return ActionResult(
                    False,
                    f"Windows Installer: {outcome.meaning} (code {outcome.code})",
                    code=outcome.code,
                    blocked=blocked,
                )
            if outcome.reboot != "none":
                reboot = outcome.reboot
            between()
        return ActionResult(True, "removed", code=0, reboot=reboot)

    def install_formats(self) -> frozenset[str]:
        return frozenset({"msi", "exe"})

    def stage_package(self, params: dict[str, Any], timeout: float) -> ActionResult:
        if params.get("method") == "winget":
            return ActionResult(True, "winget downloads and checks the installer itself when it installs")
        return ActionResult(True, "nothing to download")

    def replacement_present(self, verify: dict[str, Any]) -> bool:
        names = {n.casefold() for n in verify.get("programs", [])}
        if not names:
            return False
        for root in UNINSTALL_ROOTS:
            for sub in self.registry.subkeys(root):
                if str(self._values(f"{root}\\{sub}").get("DisplayName", "")).casefold() in names:
                    return True
        return False

    def install(self, params: dict[str, Any], staged: Path | None, timeout: float) -> ActionResult:
        method = params.get("method")
        if method == "builtin":
            return ActionResult(True, "built into Windows; it switches itself on once the old antivirus is gone")
        if method == "download" and staged is not None:
            if params.get("format") == "msi":
                argv = msi.install_argv(str(staged), list(params.get("args") or []) or None)
            else:
                argv = [str(staged), *params.get("args", [])]
        elif method == "winget":
            argv = [
                "winget",
                "install",
                "--id",
                params["id"],
                "--exact",
                "--silent",
                "--accept-package-agreements",
                "--accept-source-agreements",
                "--source",
                "winget",
                "--scope",
                "machine",
            ]
        else:
            return ActionResult(False, f"the '{method}' install method needs a person")
        result = self._run(argv, timeout=timeout)
        if result.timed_out:
            return ActionResult(
                False, f"the installer did not finish in {int(timeout)} s and was stopped", timed_out=True
            )
        codes = params.get("success_codes") or [0]
        if params.get("format") == "msi" or method == "download":
            outcome = msi.interpret(result.returncode if result.returncode is not None else -1)
            ok = (outcome.ok and outcome.code != 1605) or result.returncode in codes
            return ActionResult(
                ok, outcome.meaning, code=result.returncode, reboot=outcome.reboot, retry_later=outcome.retry_later
            )
        return ActionResult(result.returncode in codes, f"winget exited {result.returncode}", code=result.returncode)

    def verify(self, verify: dict[str, Any]) -> VerifyResult:
        checks: list[tuple[str, bool | None, str]] = []
        for name in verify.get("programs", []):
            present = self.replacement_present({"programs": [name]})
            checks.append((f"program {name}", present, "installed" if present else "not installed"))
        for service in verify.get("services", []):
            present = bool(self.registry.values(f"{SERVICES}\\{service}"))
            checks.append((f"service {service}", present, "present" if present else "missing"))
        protecting: bool | None = None
        wanted = {n.casefold() for n in verify.get("security_center", [])}
        if wanted and self._security_center is not None:
            rows = self._security_center()
            if rows:
                states = [r for r in rows if str(r.get("name", "")).casefold() in wanted]
                protecting = any(r.get("state") == "On" for r in states)
                checks.append(
                    (
                        "Security Center",
                        protecting,
                        ", ".join(f"{r['name']}: {r['state']}" for r in states) or "not registered",
                    )
                )
        installed = all(p is not False for _, p, _ in checks) and bool(checks)
        return VerifyResult(installed=installed, protecting=protecting, checks=checks)

    def remove_leftover(self, kind: str, name: str, named: Callable[[str], bool]) -> ActionResult:
        if not named(name):
            return ActionResult(False, f"{name} is not a {kind} the catalogue names")
        if kind in ("service", "driver"):
            result = self._run(["sc.exe", "delete", name], timeout=60)
            # 1060: the service does not exist (already gone).
            ok = result.returncode in (0, 1060)
            return ActionResult(
                ok,
                f"deleted service {name}" if ok else f"sc delete {name} failed ({result.returncode})",
                code=result.returncode,
            )
        if kind == "key":
            result = self._run(["reg.exe", "delete", name, "/f"], timeout=60)
            return ActionResult(
                result.ok,
                f"deleted key {name}" if result.ok else f"reg delete failed: {result.stderr.strip()}",
                code=result.returncode,
            )
        if kind in ("folder", "file"):
            removal = deletion.delete(None, name, named=named)
            return ActionResult(removal.ok, removal.summary(), data={"deletions": [removal.record()]})
        return ActionResult(False, f"Offramp does not remove {kind} leftovers on Windows")

    def register_resume(self, argv: list[str]) -> str:
        command = " ".join(f'"{a}"' if " " in a else a for a in argv)
        result = self._run(
            ["reg.exe", "add", RUNONCE, "/v", RESUME_NAME, "/t", "REG_SZ", "/d", command, "/f"], timeout=60
        )
        if not result.ok:
            raise OSError(f"could not register the resume: {result.stderr.strip()}")
        return f"{RUNONCE}\\{RESUME_NAME}"

    def unregister_resume(self) -> None:
        self._run(["reg.exe", "delete", RUNONCE, "/v", RESUME_NAME, "/f"], timeout=60)

    def request_reboot(self) -> ActionResult:
        result = self._run(
            ["shutdown.exe", "/r", "/t", "60", "/c", "Offramp: restarting to finish the migration"], timeout=60
        )
        return ActionResult(
            result.ok, "restart in 60 seconds" if result.ok else result.stderr.strip(), reboot="started"
        )


def executable_argv() -> list[str]:
    """How to start this same Offramp again (frozen executable or the Python running it)."""
    import sys

    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "offramp"]
