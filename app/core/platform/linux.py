"""The Linux back-end for migrations: dpkg and rpm (in the live system or a private root), systemd, resume units.

A root other than "/" is a sandbox or a mounted system: dpkg and rpm work inside it with their
own database (never the host's), maintainer scripts run without chroot, and nothing live (service
states, restarts) is touched.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core import paths
from app.core.platform import commands
from app.core.platform.base import ActionResult, PosixRoot, VerifyResult

RESUME_UNIT = "offramp-resume.service"
UNIT_DIRS = ("etc/systemd/system", "lib/systemd/system", "usr/lib/systemd/system")


class LinuxBackend(PosixRoot):
    platform = "linux"

    # --- facts -------------------------------------------------------------------------------------
    def pending_reboot(self) -> bool:
        return (self._base / "var/run/reboot-required").exists() or (self._base / "run/reboot-required").exists()

    def free_bytes(self, folder: Path) -> int:
        return shutil.disk_usage(folder).free

    def is_server(self) -> bool:
        return False

    def boot_id(self) -> str:
        try:
            return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        except OSError:
            return "unknown"

    # --- packages ----------------------------------------------------------------------------------
    def _dpkg(self) -> list[str]:
        if self.sandbox:
            # Private root: its own database; scripts run without chroot (the root has no shell).
            return ["dpkg", f"--root={self._base}", "--force-not-root", "--force-script-chrootless", "--log=/dev/null"]
        return ["dpkg"]

    def _uses_dpkg(self) -> bool:
        return (self._base / "var/lib/dpkg/status").exists() and shutil.which("dpkg") is not None

    def _rpm(self) -> list[str]:
        base = ["rpm"]
        if self.sandbox:
            db = next((d for d in ("var/lib/rpm", "usr/lib/sysimage/rpm") if (self._base / d).is_dir()), "var/lib/rpm")
            base += ["--root", str(self._base), "--dbpath", "/" + db]
        return base

    def installed_packages(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self._uses_dpkg():
            result = commands.run(
                [
                    "dpkg-query",
                    f"--admindir={self._base / 'var/lib/dpkg'}",
                    "-W",
                    "--showformat=${Package}\t${Version}\t${db:Status-Abbrev}\n",
                ],
                timeout=60,
                log=False,
            )
            for line in result.stdout.splitlines():
                parts = line.split("\t")
                if len(parts) == 3 and parts[2].startswith("i"):
                    out[parts[0]] = parts[1]
        elif shutil.which("rpm"):
            result = commands.run(
                [*self._rpm(), "-qa", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\n"], timeout=60, log=False
            )
            for line in result.stdout.splitlines():
                name, _, version = line.partition("\t")
                if name:
                    out[name] = version
        return out

    def product_present(self, params: dict[str, Any]) -> bool:
        installed = self.installed_packages()
        return any(p in installed for p in params.get("packages", []))

    def uninstall(
        self,
        params: dict[str, Any],
        secrets: dict[str, str],
        timeout: float,
        between: Callable[[], None] = lambda: None,
    ) -> ActionResult:
        if params.get("method") != "package":
            return ActionResult(False, f"Offramp cannot run the '{params.get('method')}' removal method on Linux")
        installed = self.installed_packages()
        removed = []
        for package in params.get("packages", []):
            if package not in installed:
                continue  # already gone: removal is idempotent
            argv = [*self._dpkg(), "-r", package] if self._uses_dpkg() else [*self._rpm(), "-e", package]
            result = commands.run(argv, timeout=timeout)
            if result.timed_out:
                return ActionResult(
                    False, f"removing {package} did not finish in {int(timeout)} s and was stopped", timed_out=True
                )
            if not result.ok:
                return ActionResult(
                    False, f"removing {package} failed: {_last_lines(result.stderr)}", code=result.returncode
                )
            removed.append(package)
            between()
        return ActionResult(
            True, "removed " + (", ".join(removed) or "nothing (already gone)"), code=0, data={"removed": removed}
        )

    def stage_package(self, params: dict[str, Any], timeout: float) -> ActionResult:
        if self.sandbox:
            return ActionResult(False, "packages from a repository cannot be staged into a mounted system")
        if params.get("manager") == "apt":
            result = commands.run(
                ["apt-get", "install", "-y", "--download-only", *params["packages"]],
                timeout=timeout,
                env={"DEBIAN_FRONTEND": "noninteractive"},
            )
        else:
            result = commands.run(
                [params.get("manager", "dnf"), "install", "-y", "--downloadonly", *params["packages"]], timeout=timeout
            )
        return ActionResult(
            result.ok, "downloaded" if result.ok else _last_lines(result.stderr), code=result.returncode
        )

    def replacement_present(self, verify: dict[str, Any]) -> bool:
        installed = self.installed_packages()
        return all(p in installed for p in verify.get("packages", []))

    def install_formats(self) -> frozenset[str]:
        """The installer formats this system's own package manager takes (a .deb only where dpkg keeps it)."""
        if self._uses_dpkg():
            return frozenset({"deb"})
        rpm_db = any((self._base / d).is_dir() for d in ("var/lib/rpm", "usr/lib/sysimage/rpm"))
        return frozenset({"rpm"}) if rpm_db and shutil.which("rpm") else frozenset()

    def install(self, params: dict[str, Any], staged: Path | None, timeout: float) -> ActionResult:
        method = params.get("method")
        if method == "download" and staged is not None:
            if params.get("format") == "deb":
                argv = [*self._dpkg(), "-i", str(staged)] if self.sandbox else ["apt-get", "install", "-y", str(staged)]
            elif params.get("format") == "rpm":
                argv = (
                    [*self._rpm(), "-i", "--nodeps", "--noscripts", str(staged)]
                    if self.sandbox
                    else ["dnf", "install", "-y", str(staged)]
                )
            else:
                return ActionResult(False, f"a {params.get('format')} file cannot be installed on Linux")
        elif method == "package":
            if self.sandbox:
                return ActionResult(False, "packages from a repository cannot be installed into a mounted system")
            manager = params.get("manager", "apt")
            argv = (
                ["apt-get", "install", "-y", *params["packages"]]
                if manager == "apt"
                else [manager, "install", "-y", *params["packages"]]
            )
        else:
            return ActionResult(False, f"the '{method}' install method needs a person on Linux")
        result = commands.run(argv, timeout=timeout, env={"DEBIAN_FRONTEND": "noninteractive"})
        if result.timed_out:
            return ActionResult(
                False, f"the installer did not finish in {int(timeout)} s and was stopped", timed_out=True
            )
        return ActionResult(
            result.ok,
            "installed" if result.ok else f"install failed: {_last_lines(result.stderr)}",
            code=result.returncode,
        )

    def _unit_file(self, unit: str) -> Path | None:
        for folder in UNIT_DIRS:
            path = self._base / folder / unit
            if path.exists():
                return path
        return None

    def verify(self, verify: dict[str, Any]) -> VerifyResult:
        checks: list[tuple[str, bool | None, str]] = []
        installed = self.installed_packages()
        for package in verify.get("packages", []):
            checks.append((f"package {package}", package in installed, installed.get(package, "not installed")))
        protecting: bool | None = None
        for unit in verify.get("services", []):
            unit_name = unit if "." in unit else f"{unit}.service"
            present = self._unit_file(unit_name) is not None
            if self.sandbox:
                checks.append((f"service {unit_name}", present, "unit installed (a mounted system is not running)"))
            else:
                state = commands.run(["systemctl", "is-active", unit_name], timeout=30).stdout.strip()
                checks.append((f"service {unit_name}", state == "active", state or "unknown"))
                protecting = (protecting is not False) and state == "active"
        installed_ok = all(passed for name, passed, _ in checks if name.startswith("package")) and bool(checks)
        return VerifyResult(
            installed=installed_ok and all(p is not False for _, p, _ in checks), protecting=protecting, checks=checks
        )

    # --- leftovers, resume, restart ------------------------------------------------------------------
    def remove_leftover(self, kind: str, name: str) -> ActionResult:
        if kind in ("folder", "file"):
            target = self._base / name.lstrip("/")
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            return ActionResult(True, f"removed {name}")
        if kind == "unit":
            path = self._unit_file(name)
            if path:
                path.unlink()
            return ActionResult(True, f"removed unit {name}")
        if kind == "package":  # removed with configuration files left: purge them
            argv = [*self._dpkg(), "--purge", name] if self._uses_dpkg() else [*self._rpm(), "-e", name]
            result = commands.run(argv, timeout=300)
            return ActionResult(result.ok, f"purged {name}" if result.ok else _last_lines(result.stderr))
        return ActionResult(False, f"Offramp does not remove {kind} leftovers on Linux")

    def register_resume(self, argv: list[str]) -> str:
        unit = self._base / "etc/systemd/system" / RESUME_UNIT
        _system_dir(unit.parent)
        exec_line = " ".join(_systemd_quote(a) for a in argv)
        text = (
            "[Unit]\nDescription=Offramp: finish the migration after a restart\n"
            "After=network-online.target\nWants=network-online.target\n\n"
            f"[Service]\nType=oneshot\nExecStart={exec_line}\n\n[Install]\nWantedBy=multi-user.target\n"
        )
        # Written in place of whatever was there (never through a link), 0644 whatever the umask: systemd
        # reads it as root, and anyone able to change it could run their own command as root at boot.
        tmp = unit.with_name(f".{RESUME_UNIT}.tmp")
        if tmp.is_symlink() or tmp.exists():
            if tmp.is_dir() and not tmp.is_symlink():
                raise paths.NotARegularFile(21, "a folder sits at the restart unit's temporary name", str(tmp))
            tmp.unlink()
        with open(paths.open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL), "w", encoding="utf-8") as handle:
            handle.write(text)
            os.fchmod(handle.fileno(), 0o644)
        os.replace(tmp, unit)
        wants = self._base / "etc/systemd/system/multi-user.target.wants"
        _system_dir(wants)
        link = wants / RESUME_UNIT
        if not link.is_symlink():
            link.symlink_to(f"/etc/systemd/system/{RESUME_UNIT}")
        return str(unit)

    def unregister_resume(self) -> None:
        for path in (
            self._base / "etc/systemd/system/multi-user.target.wants" / RESUME_UNIT,
            self._base / "etc/systemd/system" / RESUME_UNIT,
        ):
            if path.is_symlink() or path.exists():
                path.unlink()

    def request_reboot(self) -> ActionResult:
        if self.sandbox:
            return ActionResult(False, "a mounted system cannot be restarted")
        result = commands.run(["systemctl", "reboot"], timeout=60)
        return ActionResult(result.ok, "restart started" if result.ok else _last_lines(result.stderr), reboot="started")


def _system_dir(folder: Path) -> None:
    """A system folder (0755, as systemd's own are) made if missing, whatever the umask."""
    for missing in reversed([p for p in (folder, *folder.parents) if not os.path.lexists(p)]):
        missing.mkdir(mode=0o755, exist_ok=True)
        os.chmod(missing, 0o755)


def _systemd_quote(arg: str) -> str:
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"' if any(c in arg for c in ' "\\') else arg


def _last_lines(text: str, n: int = 3) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip() and "use Alien instead" not in line]
    return " / ".join(lines[-n:]) or "no error message"
