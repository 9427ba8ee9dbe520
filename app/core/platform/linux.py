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

from offramp.core import paths
from offramp.core.platform import commands, deletion
from offramp.core.platform.base import ActionResult, PosixRoot, VerifyResult
from offramp.core.platform.packagestate import DpkgStatus

RESUME_UNIT = "offramp-resume.service"
_LOCK_MESSAGES = ("dpkg frontend lock", "lock-frontend", "database is locked", "unable to lock", "is locked by")
UNIT_DIRS = ("etc/systemd/system", "lib/systemd/system", "usr/lib/systemd/system")


class PackageDatabaseError(OSError):
    """The package database could not be read: nothing can be said about what is installed."""


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
        """The boot the system at the root is in, which tells whether it restarted since a restart was asked.

        Read from the root, as pending_reboot reads the root's own flag: a system under a root that keeps its
        own /proc counts its own restarts. A mounted disk has an empty /proc, so it counts this kernel's."""
        for proc in dict.fromkeys((self._base / "proc", Path("/proc"))):
            path = proc / "sys/kernel/random/boot_id"
            try:
                # A regular file only, and its first line: a FIFO or a device in a mounted system never hangs us.
                if path.is_file():
                    with path.open("rb") as handle:
                        return handle.read(64).decode("ascii", "replace").strip()
            except OSError:
                continue
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

    def package_states(self) -> dict[str, tuple[str, DpkgStatus | None]]:
        """Every package the database lists: name -> (version, dpkg status; None for rpm, which has no states)."""
        out: dict[str, tuple[str, DpkgStatus | None]] = {}
        if self._uses_dpkg():
            result = commands.run(
                [
                    "dpkg-query",
                    f"--admindir={self._base / 'var/lib/dpkg'}",
                    "-W",
                    "--showformat=${Package}\t${Version}\t${Status}\n",
                ],
                timeout=60,
                log=False,
            )
            if not result.ok:
                raise PackageDatabaseError(
                    f"dpkg-query could not read the package database: {_last_lines(result.stderr)}"
                )
            for line in result.stdout.splitlines():
                parts = line.split("\t")
                if len(parts) == 3:
                    out[parts[0]] = (parts[1], DpkgStatus.parse(parts[2]))
        elif shutil.which("rpm"):
            result = commands.run(
                [*self._rpm(), "-qa", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\n"], timeout=60, log=False
            )
            for line in result.stdout.splitlines():
                name, _, version = line.partition("\t")
                if name:
                    out[name] = (version, None)
        return out

    def installed_packages(self) -> dict[str, str]:
        """Packages whose files or scripts may be on the machine, in whatever state (see packagestate)."""
        return {name: v for name, (v, state) in self.package_states().items() if state is None or state.present}

    def product_present(self, params: dict[str, Any]) -> bool:
        try:
            installed = self.installed_packages()
        except PackageDatabaseError:
            return True  # a database that cannot be read proves nothing gone
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
        try:
            return self._uninstall_packages(params, timeout, between)
        except PackageDatabaseError as exc:
            return ActionResult(False, str(exc))

    def _uninstall_packages(self, params: dict[str, Any], timeout: float, between: Callable[[], None]) -> ActionResult:
        removed = []
        for package in params.get("packages", []):
            state = self.package_states().get(package)
            if state is None or (state[1] is not None and not state[1].present):
                continue  # already gone (or only its configuration is left): removal is idempotent
            failure = self._remove_package(package, state[1], timeout)
            if failure is not None:
                return failure
            removed.append(package)
            between()
        # The package manager, not the file system, says whether the product is gone.
        still = {p: self.package_states().get(p) for p in params.get("packages", [])}
        listed = [f"{p} ({s[1] or 'installed'})" for p, s in still.items() if s and (s[1] is None or s[1].present)]
        if listed:
            return ActionResult(False, "the package database still lists " + ", ".join(listed))
        return ActionResult(
            True, "removed " + (", ".join(removed) or "nothing (already gone)"), code=0, data={"removed": removed}
        )

    def _remove_package(self, package: str, state: DpkgStatus | None, timeout: float) -> ActionResult | None:
        """Removes one package through its manager; None when it worked."""
        if not self._uses_dpkg():
            result = commands.run([*self._rpm(), "-e", package], timeout=timeout)
        else:
            result = commands.run(self._dpkg_remove(package, state), timeout=timeout)
            if not result.ok and not result.timed_out and not _locked(result.stderr):
                # An interrupted dpkg run (a power cut, a killed apt) leaves packages half-configured and
                # dpkg's own advice is `dpkg --configure -a`; then the removal is tried once more.
                commands.run([*self._dpkg(), "--configure", "-a"], timeout=timeout)
                fresh = self.package_states().get(package)
                if fresh is not None and fresh[1] is not None and not fresh[1].present:
                    return None
                result = commands.run(self._dpkg_remove(package, fresh[1] if fresh else state), timeout=timeout)
        if result.timed_out:
            return ActionResult(
                False, f"removing {package} did not finish in {int(timeout)} s and was stopped", timed_out=True
            )
        if _locked(result.stderr) and not result.ok:
            return ActionResult(False, "another package manager is running", code=result.returncode, retry_later=True)
        if not result.ok:
            return ActionResult(
                False, f"removing {package} failed: {_last_lines(result.stderr)}", code=result.returncode
            )
        return None

    def _dpkg_remove(self, package: str, state: DpkgStatus | None) -> list[str]:
        force = ["--force-remove-reinstreq"] if state is not None and state.needs_reinstreq_force else []
        return [*self._dpkg(), *force, "--remove", package]

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

    def _fully_installed(self) -> dict[str, str]:
        """Packages dpkg finished installing and configuring: what a replacement must be to count."""
        return {
            name: v
            for name, (v, state) in self.package_states().items()
            if state is None or state.status == "installed"
        }

    def replacement_present(self, verify: dict[str, Any]) -> bool:
        installed = self._fully_installed()
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
        installed = self._fully_installed()
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
    def remove_leftover(self, kind: str, name: str, named: Callable[[str], bool]) -> ActionResult:
        if kind in ("folder", "file"):
            removal = deletion.delete(self._base, name, named=named)
            return ActionResult(removal.ok, removal.summary(), data={"deletions": [removal.record()]})
        if kind == "unit":
            if not named(name):
                return ActionResult(False, f"{name} is not a unit the catalogue names")
            paths = [f"/{folder}/{name}" for folder in UNIT_DIRS]
            results = [deletion.delete(self._base, path, named=paths.__contains__) for path in paths]
            # A unit folder reached through a link that is not followed is another name for one of the others.
            kept = [item for r in results for item in r.kept if "not followed" not in item[1]]
            records = [r.record() for r in results if r.type != "absent"]
            if kept:
                return ActionResult(False, deletion.kept_message(kept), data={"deletions": records})
            return ActionResult(True, f"removed unit {name}", data={"deletions": records})
        if kind == "package":  # removed with configuration files left: dpkg purges them
            if not named(name):
                return ActionResult(False, f"{name} is not a package the catalogue names")
            if self._uses_dpkg():
                state = self.package_states().get(name, ("", None))[1]
                if state is not None and state.want == "unknown":
                    # dpkg ignores -P (and exits 0) for a package whose selection is unknown: select it first.
                    commands.run([*self._dpkg(), "--set-selections"], timeout=60, stdin_text=f"{name} purge\n")
            argv = [*self._dpkg(), "--purge", name] if self._uses_dpkg() else [*self._rpm(), "-e", name]
            result = commands.run(argv, timeout=300)
            if not result.ok:
                return ActionResult(False, _last_lines(result.stderr), code=result.returncode)
            if name in self.package_states():
                state = self.package_states()[name][1]
                if state is None or state.status != "not-installed":
                    return ActionResult(False, f"the package database still lists {name} ({state or 'installed'})")
            return ActionResult(True, f"purged {name}")
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
        ours = (f"/etc/systemd/system/multi-user.target.wants/{RESUME_UNIT}", f"/etc/systemd/system/{RESUME_UNIT}")
        for path in ours:
            deletion.delete(self._base, path, named=ours.__contains__)

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


def _locked(stderr: str) -> bool:
    return any(m in stderr for m in _LOCK_MESSAGES)


def _last_lines(text: str, n: int = 3) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip() and "use Alien instead" not in line]
    return " / ".join(lines[-n:]) or "no error message"
