"""After a restart the migration carries on by itself: each back-end registers its own resume, and removes it."""

from __future__ import annotations

import os
import plistlib
from pathlib import Path

from offramp.core.platform.linux import RESUME_UNIT, LinuxBackend
from offramp.core.platform.macos import RESUME_LABEL, MacBackend

ARGV = ["/opt/offramp/offramp", "resume", "--silent"]


def test_linux_systemd_unit_is_enabled_and_removed(tmp_path: Path) -> None:
    backend = LinuxBackend(tmp_path)
    unit = Path(backend.register_resume(ARGV))
    assert unit == tmp_path / "etc/systemd/system" / RESUME_UNIT
    text = unit.read_text()
    assert "ExecStart=/opt/offramp/offramp resume --silent" in text and "WantedBy=multi-user.target" in text
    link = tmp_path / "etc/systemd/system/multi-user.target.wants" / RESUME_UNIT
    assert link.is_symlink() and str(link.readlink()) == f"/etc/systemd/system/{RESUME_UNIT}"
    backend.register_resume(ARGV)  # registering twice is harmless
    backend.unregister_resume()
    assert not unit.exists() and not link.is_symlink()


def test_linux_unit_quotes_arguments_with_spaces(tmp_path: Path) -> None:
    unit = Path(LinuxBackend(tmp_path).register_resume(["/opt/my apps/offramp", "resume"]))
    assert 'ExecStart="/opt/my apps/offramp" resume' in unit.read_text()


def test_linux_restarts_are_counted_by_the_roots_own_boot_id_or_else_this_kernels(tmp_path: Path) -> None:
    kernel = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    assert LinuxBackend(tmp_path).boot_id() == kernel  # a mounted disk: nothing in its /proc
    own = tmp_path / "proc/sys/kernel/random/boot_id"
    own.parent.mkdir(parents=True)
    os.mkfifo(own)  # never read: it would block
    assert LinuxBackend(tmp_path).boot_id() == kernel
    own.unlink()
    own.write_text("5e1f4b0c-0000-4000-8000-000000000001\n")
    assert LinuxBackend(tmp_path).boot_id() == "5e1f4b0c-0000-4000-8000-000000000001"
    assert LinuxBackend(None).boot_id() == kernel


def test_macos_launch_daemon_runs_at_load_and_is_removed(tmp_path: Path) -> None:
    backend = MacBackend(tmp_path)
    path = Path(backend.register_resume(ARGV))
    data = plistlib.loads(path.read_bytes())
    assert data == {"Label": RESUME_LABEL, "ProgramArguments": ARGV, "RunAtLoad": True}
    backend.unregister_resume()
    assert not path.exists()
