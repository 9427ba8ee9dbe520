"""Linux package test bed: real .deb/.rpm packages installed into a private root.

Tests that detect or remove Linux packages need a real package database to look at, but they must never
touch the packages of the machine they run on. Both dpkg and rpm can work on a folder of our choosing
with its own database inside it, so this module offers:

* ``PackageSpec`` - a small declarative description of a package (name, version, files, dependencies,
  optional maintainer scripts). One spec builds both a .deb and an .rpm.
* ``build_deb`` / ``build_rpm`` - turn a spec into a package file with the real tools
  (``dpkg-deb --build`` and ``rpmbuild -bb``).
* ``DpkgRoot`` / ``RpmRoot`` - a private root directory with its own dpkg or rpm database, with
  ``install``, ``remove`` and ``installed``.

Every command is run from an argument list (never a shell string) and a failure raises
``PackageBedError`` carrying the command's stderr, so a broken test says what the package manager said.

Why each force flag / option (these are the only ones used):

* ``dpkg --root=R`` points both the install directory and the database (``R/var/lib/dpkg``) into the bed.
* ``dpkg --force-not-root`` lets the bed work for an unprivileged developer or CI user too: without it
  dpkg refuses to run unless it is root, even though it only writes inside R.
* ``dpkg --force-script-chrootless`` runs maintainer scripts on the host instead of ``chroot R`` (which
  needs root and a /bin/sh inside R, and the bed has neither). The price: scripts run against the host
  filesystem, so every maintainer script in a spec MUST prefix paths with ``"$DPKG_ROOT"`` (dpkg sets it
  to R). The dpkg manual warns that this force "can destroy your host system"; keep scripts trivial.
* ``dpkg --log=/dev/null`` stops dpkg from appending to the host's ``/var/log/dpkg.log``.
* ``rpm --root R --dbpath /var/lib/rpm``: Debian's rpm defaults ``_dbpath`` to ``~/.rpmdb`` (so it never
  collides with dpkg); under ``--root`` that would land at ``R/<$HOME>/.rpmdb`` and move with $HOME.
  Pinning the path that RPM distributions use makes the bed deterministic and realistic.
* ``rpm -i --nodeps``: rpmbuild adds ``/bin/sh`` requirements for scriptlets and the bare root has no
  package providing them. Only *install* skips dependency checks; ``rpm -e`` still enforces them, which
  is the rule the removal tests care about (kesl-gui must go before kesl).
* ``rpm -i/-e --noscripts``: rpm would ``chroot`` into R to run scriptlets (root-only, and no /bin/sh
  there). dpkg scripts still run, so scripted behaviour is covered on the dpkg side.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

__all__ = [
    "DPKG_TOOLS",
    "RPM_TOOLS",
    "DpkgRoot",
    "PackageBedError",
    "PackageFile",
    "PackageSpec",
    "RpmRoot",
    "build_deb",
    "build_rpm",
    "missing_tools",
]

DPKG_TOOLS: tuple[str, ...] = ("dpkg", "dpkg-deb", "dpkg-query")
RPM_TOOLS: tuple[str, ...] = ("rpm", "rpmbuild")

# dpkg's maintainer script names; rpm has the same four hooks under other names.
_SCRIPT_TO_RPM: dict[str, str] = {
    "preinst": "%pre",
    "postinst": "%post",
    "prerm": "%preun",
    "postrm": "%postun",
}

# Debian's rpm prints this on every install/erase (it wants people to use alien). It is noise, not an
# error; it is removed from error messages so the real complaint is the first thing a reader sees.
_RPM_DEBIAN_NOISE = (
    "rpm: RPM should not be used directly install RPM packages, use Alien instead!",
    "rpm: However assuming you know what you are doing...",
)

# Directories every system has. An rpm must not claim them (real packages don't, and rpm -e would then
# rmdir them from the bed when empty); the directories *below* them that a spec's files live in are
# owned by the package, so `rpm -e` leaves no empty product folders behind - as dpkg does on its own.
_SYSTEM_DIRS = frozenset(
    {
        "/",
        "/etc",
        "/etc/opt",
        "/etc/default",
        "/etc/init.d",
        "/opt",
        "/var",
        "/var/opt",
        "/var/log",
        "/var/lib",
        "/usr",
        "/usr/bin",
        "/usr/sbin",
        "/usr/lib",
        "/usr/share",
        "/usr/share/applications",
        "/usr/share/doc",
        "/usr/share/man",
        "/lib",
        "/lib/systemd",
        "/lib/systemd/system",
        "/usr/lib/systemd",
        "/usr/lib/systemd/system",
    }
)

# Package managers print localised messages; tests match on English text, so pin the C locale.
_ENV_OVERRIDES = {"LC_ALL": "C.UTF-8", "LANGUAGE": ""}

# A hung package manager (e.g. waiting on a lock) should fail a test, not stall the whole run.
_TIMEOUT_S = 120


class PackageBedError(RuntimeError):
    """A package tool failed; carries the command, exit code and output for the test report."""

    def __init__(self, cmd: Sequence[str], returncode: int, stdout: str, stderr: str) -> None:
        self.cmd = list(cmd)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        shown = _strip_rpm_noise(stderr).strip() or stdout.strip() or "(no output)"
        super().__init__(f"{cmd[0]} exited with {returncode}: {' '.join(cmd)}\n{shown}")


@dataclass(frozen=True)
class PackageFile:
    """One file in a package: its content and permission bits (files are always owned by root)."""

    content: str | bytes
    mode: int = 0o644

    def data(self) -> bytes:
        return self.content.encode("utf-8") if isinstance(self.content, str) else self.content


@dataclass(frozen=True)
class PackageSpec:
    """What a package is, independent of the package format.

    ``version`` is the upstream version and ``release`` the packaging revision: the .deb version is
    ``<version>-<release>`` and the .rpm has ``Version: <version>`` / ``Release: <release>``, so both
    package managers report the same ``full_version``.
    ``depends`` and ``conflicts`` use Debian syntax (``"kesl"``, ``"kesl (>= 12.1.0)"``); alternatives
    (``a | b``) are not supported because rpm has no plain equivalent.
    ``files`` maps absolute paths to ``PackageFile``; ``conffiles`` lists which of them are
    configuration files (dpkg keeps them on ``-r`` until purge; rpm marks them ``%config(noreplace)``).
    ``scripts`` maps dpkg script names (preinst/postinst/prerm/postrm) to /bin/sh bodies; they must
    use ``"$DPKG_ROOT"`` in front of every path (see the module docstring).
    """

    name: str
    version: str
    description: str
    release: str = "1"
    arch: str = "all"
    maintainer: str = "Offramp test bed <testbed@offramp.invalid>"
    depends: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    files: Mapping[str, PackageFile] = field(default_factory=dict)
    conffiles: tuple[str, ...] = ()
    scripts: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Fail at definition time with a readable message rather than deep inside dpkg-deb/rpmbuild.
        if not re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", self.name):
            raise ValueError(f"invalid package name {self.name!r}")
        if "-" in self.version or ":" in self.version or "-" in self.release:
            raise ValueError(f"{self.name}: version/release must not contain '-' or ':' (rpm rejects them)")
        for path in self.files:
            if not path.startswith("/") or ".." in PurePosixPath(path).parts or path.endswith("/"):
                raise ValueError(f"{self.name}: file path must be absolute and normalised: {path!r}")
        if missing := set(self.conffiles) - set(self.files):
            raise ValueError(f"{self.name}: conffiles not among files: {sorted(missing)}")
        if unknown := set(self.scripts) - set(_SCRIPT_TO_RPM):
            raise ValueError(f"{self.name}: unknown maintainer scripts: {sorted(unknown)}")
        for dep in (*self.depends, *self.conflicts):
            _rpm_relation(dep)  # raises on syntax rpm cannot express

    @property
    def full_version(self) -> str:
        """The version string dpkg-query and ``rpm -q`` report for the installed package."""
        return f"{self.version}-{self.release}"

    @property
    def summary(self) -> str:
        return self.description.strip().splitlines()[0]


def missing_tools(tools: Iterable[str]) -> list[str]:
    """The named programs that are not on PATH (used to skip tests with a clear reason)."""
    return [tool for tool in tools if shutil.which(tool) is None]


# --------------------------------------------------------------------------------------------- building


def build_deb(spec: PackageSpec, outdir: Path) -> Path:
    """Build ``<outdir>/<name>_<full_version>_<arch>.deb`` with ``dpkg-deb --build``."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / f"{spec.name}_{spec.full_version}_{spec.arch}.deb"
    with tempfile.TemporaryDirectory(prefix=f"deb-{spec.name}-") as tmp:
        stage = Path(tmp) / "stage"
        _write_tree(stage, spec.files)
        control_dir = stage / "DEBIAN"
        _mkdir_755(control_dir)
        (control_dir / "control").write_text(_deb_control(spec), encoding="utf-8")
        if spec.conffiles:
            (control_dir / "conffiles").write_text("".join(f"{p}\n" for p in spec.conffiles), encoding="utf-8")
        for script, body in spec.scripts.items():
            script_path = control_dir / script
            script_path.write_text(f"#!/bin/sh\nset -e\n{body.strip()}\n", encoding="utf-8")
            script_path.chmod(0o755)  # dpkg-deb rejects scripts that are not executable
        # --root-owner-group: files in the archive belong to root:root whoever builds it (no fakeroot).
        _run(["dpkg-deb", "--root-owner-group", "--build", str(stage), str(target)])
    return target


def build_rpm(spec: PackageSpec, outdir: Path) -> Path:
    """Build ``<outdir>/<name>-<full_version>.noarch.rpm`` with ``rpmbuild -bb`` from a generated spec."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"rpm-{spec.name}-") as tmp:
        top = Path(tmp)
        for sub in ("SPECS", "SOURCES", "BUILD", "RPMS", "SRPMS", "tmp", "db"):
            (top / sub).mkdir()
        # The payload is staged under SOURCES and copied into %{buildroot} by %install, so the rpm holds
        # exactly the bytes the .deb holds.
        _write_tree(top / "SOURCES" / "payload", spec.files)
        specfile = top / "SPECS" / f"{spec.name}.spec"
        specfile.write_text(_rpm_specfile(spec), encoding="utf-8")
        _run(
            [
                "rpmbuild",
                # Everything rpmbuild writes stays in the temporary tree: its default _topdir is
                # ~/rpmbuild, _tmppath /var/tmp and (on Debian) _dbpath ~/.rpmdb.
                "--define",
                f"_topdir {top}",
                "--define",
                f"_tmppath {top / 'tmp'}",
                "--define",
                f"_dbpath {top / 'db'}",
                "-bb",
                str(specfile),
            ]
        )
        built = list((top / "RPMS").rglob("*.rpm"))
        if len(built) != 1:
            raise PackageBedError(["rpmbuild", str(specfile)], 0, "", f"expected one rpm, found {built}")
        target = outdir / built[0].name
        shutil.move(built[0], target)
    return target


def _deb_control(spec: PackageSpec) -> str:
    lines = [
        f"Package: {spec.name}",
        f"Version: {spec.full_version}",
        f"Architecture: {spec.arch}",
        f"Maintainer: {spec.maintainer}",
    ]
    if spec.depends:
        lines.append(f"Depends: {', '.join(spec.depends)}")
    if spec.conflicts:
        lines.append(f"Conflicts: {', '.join(spec.conflicts)}")
    # Extended description lines start with a space; a blank line is written " ." (deb-control(5)).
    body = [f" {line}" if line.strip() else " ." for line in spec.description.strip().splitlines()[1:]]
    lines.append(f"Description: {spec.summary}")
    lines.extend(body)
    return "\n".join(lines) + "\n"


def _rpm_specfile(spec: PackageSpec) -> str:
    vendor = spec.maintainer.split("<")[0].strip() or spec.maintainer
    lines = [
        f"Name: {spec.name}",
        f"Version: {spec.version}",
        f"Release: {spec.release}",
        f"Summary: {_rpm_escape(spec.summary)}",
        "License: Proprietary",
        f"Vendor: {vendor}",
        f"Packager: {spec.maintainer}",
        # noarch: the payload is scripts and text, and the bed must not depend on the build host's arch.
        "BuildArch: noarch",
        # Only the declared relations: automatic ones (e.g. /bin/sh from shebangs) would differ from the
        # .deb and make `rpm -qR` depend on the build host.
        "AutoReqProv: no",
    ]
    lines += [f"Requires: {_rpm_relation(dep)}" for dep in spec.depends]
    lines += [f"Conflicts: {_rpm_relation(dep)}" for dep in spec.conflicts]
    lines += [
        # Debian's rpm runs brp-* post-processing (strip, compress man pages, ...) after %install; the
        # bed wants the payload byte-for-byte as declared.
        "%define __os_install_post %{nil}",
        "",
        "%description",
        _rpm_escape(spec.description.strip()),
        "",
        "%install",
        "mkdir -p %{buildroot}",
        "cp -a %{_sourcedir}/payload/. %{buildroot}/",
        "",
    ]
    for script, body in spec.scripts.items():
        lines += [_SCRIPT_TO_RPM[script], _rpm_escape(body.strip()), ""]
    lines.append("%files")
    lines += [f"%dir %attr(0755, root, root) {d}" for d in _owned_dirs(spec.files)]
    for path, entry in sorted(spec.files.items()):
        config = "%config(noreplace) " if path in spec.conffiles else ""
        lines.append(f"{config}%attr({entry.mode:04o}, root, root) {_rpm_quote(path)}")
    return "\n".join(lines) + "\n"


def _rpm_relation(dep: str) -> str:
    """Debian ``name (op version)`` to rpm ``name op version``."""
    match = re.fullmatch(r"\s*([a-z0-9][a-z0-9+.-]*)\s*(?:\(\s*(<<|<=|=|>=|>>)\s*([^)\s]+)\s*\))?\s*", dep)
    if not match:
        raise ValueError(f"unsupported dependency syntax for the bed: {dep!r}")
    name, op, version = match.groups()
    if not op:
        return name
    return f"{name} {({'<<': '<', '>>': '>'}).get(op, op)} {version}"


def _rpm_escape(text: str) -> str:
    # rpm expands %macros everywhere in a spec, including descriptions and scriptlets; %% is a literal %.
    return text.replace("%", "%%")


def _rpm_quote(path: str) -> str:
    # rpm's %files splits on whitespace; quoting keeps paths with spaces intact.
    return f'"{path}"' if any(ch.isspace() for ch in path) else path


def _owned_dirs(files: Mapping[str, PackageFile]) -> list[str]:
    dirs: set[str] = set()
    for path in files:
        for parent in PurePosixPath(path).parents:
            if str(parent) in _SYSTEM_DIRS:
                break
            dirs.add(str(parent))
    return sorted(dirs)


def _write_tree(stage: Path, files: Mapping[str, PackageFile]) -> None:
    _mkdir_755(stage)
    for path, entry in files.items():
        dest = stage / path.lstrip("/")
        for parent in reversed(dest.relative_to(stage).parents):
            _mkdir_755(stage / parent)
        dest.write_bytes(entry.data())
        dest.chmod(entry.mode)


def _mkdir_755(path: Path) -> None:
    # Explicit mode: temporary directories are 0700 and the umask varies, and dpkg-deb copies directory
    # modes into the package (a 0700 "./" entry would make the bed's root unreadable to other users).
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o755)


# ------------------------------------------------------------------------------------------ private roots


class DpkgRoot:
    """A private root with its own dpkg database at ``<path>/var/lib/dpkg``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.admindir = self.path / "var" / "lib" / "dpkg"
        # The minimum dpkg needs to treat a folder as a system: the database folders and a status file.
        for sub in ("updates", "info"):
            (self.admindir / sub).mkdir(parents=True, exist_ok=True)
        (self.admindir / "status").touch(exist_ok=True)

    @property
    def dpkg_args(self) -> list[str]:
        """``dpkg`` plus the options that confine it to this root (see the module docstring)."""
        return [
            "dpkg",
            f"--root={self.path}",
            "--force-not-root",
            "--force-script-chrootless",
            "--log=/dev/null",
        ]

    @property
    def query_args(self) -> list[str]:
        """``dpkg-query`` reading this root's database; append e.g. ``-W`` or ``-L <name>``."""
        return ["dpkg-query", f"--admindir={self.admindir}"]

    def install(self, *debs: Path) -> subprocess.CompletedProcess[str]:
        """``dpkg -i``; several files at once let dpkg order them by their dependencies."""
        return _run([*self.dpkg_args, "--install", *map(str, debs)])

    def remove(self, name: str) -> subprocess.CompletedProcess[str]:
        """``dpkg -r``: fails while an installed package depends on ``name``; conffiles stay behind."""
        return _run([*self.dpkg_args, "--remove", name])

    def purge(self, name: str) -> subprocess.CompletedProcess[str]:
        """``dpkg -P``: like remove, and also deletes conffiles and the database entry."""
        return _run([*self.dpkg_args, "--purge", name])

    def states(self) -> dict[str, tuple[str, str]]:
        """Every package dpkg knows in this root: name -> (version, status), status as in
        ``install ok installed`` or ``deinstall ok config-files``."""
        query = [*self.query_args, "--show", "--showformat=${Package}\t${Version}\t${Status}\n"]
        out = _run(query).stdout
        for _ in range(3):
            # Seen a few times in many CI runs, under load: dpkg-query exited 0 having listed fewer packages
            # (once: none) than the status file names, and the next query listed them all. Ask again while
            # the two disagree, and say so in the output, so a test judges the database and not the glitch.
            listed = {line.split("\t", 1)[0] for line in out.splitlines()}
            named = self._status_names()
            if named <= listed:
                break
            print(f"pkgbed: dpkg-query did not list {sorted(named - listed)} for {self.path}; asking again")
            out = _run(query).stdout
        result: dict[str, tuple[str, str]] = {}
        for line in out.splitlines():
            name, version, status = line.split("\t")
            result[name] = (version, status)
        return result

    def status_file_facts(self) -> str:
        """The status file as the kernel reports it and as read once more now, for a failure message.

        Once in a full run, both dpkg-query and `_status_names` found no package in a root that held
        one a moment before; these facts tell a changed file from a read that came back short."""
        status = Path(self.admindir) / "status"
        try:
            st = status.stat()
        except OSError as exc:
            return f"status file: cannot stat ({exc.strerror})"
        return (
            f"status file: {st.st_size} bytes, inode {st.st_ino}, mtime_ns {st.st_mtime_ns}; "
            f"read again it names {sorted(self._status_names())}"
        )

    def _status_names(self) -> set[str]:
        """The packages the status file names in a state dpkg-query lists (all but ``not-installed``)."""
        try:
            text = (Path(self.admindir) / "status").read_text(errors="replace")
        except OSError:
            return set()
        names: set[str] = set()
        for stanza in text.split("\n\n"):
            fields = dict(line.split(":", 1) for line in stanza.splitlines() if ":" in line and line[:1].strip())
            status = fields.get("Status", "").split()
            if "Package" in fields and status and status[-1] != "not-installed":
                names.add(fields["Package"].strip())
        return names

    def installed(self) -> dict[str, str]:
        """Installed packages: name -> version.

        Judged by the package state (the last word of the status), not the whole status string: a
        failed ``dpkg -r`` leaves the package at ``deinstall ok installed`` - still fully installed,
        only its selection changed.
        """
        return {name: ver for name, (ver, status) in self.states().items() if status.split()[-1] == "installed"}


class RpmRoot:
    """A private root with its own rpm database at ``<path>/var/lib/rpm``."""

    DBPATH = "/var/lib/rpm"  # inside the root; see the module docstring for why it is pinned

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.dbdir = self.path / self.DBPATH.lstrip("/")
        if not any(self.dbdir.glob("rpmdb.*")) and not (self.dbdir / "Packages").exists():
            _run([*self.rpm_args, "--initdb"])

    @property
    def rpm_args(self) -> list[str]:
        """``rpm`` confined to this root and its database; append e.g. ``-qa``."""
        return ["rpm", "--root", str(self.path), "--dbpath", self.DBPATH]

    def install(self, *rpms: Path) -> subprocess.CompletedProcess[str]:
        """``rpm -i --nodeps --noscripts`` (see the module docstring for both flags)."""
        return _run([*self.rpm_args, "--install", "--nodeps", "--noscripts", *map(str, rpms)])

    def remove(self, name: str) -> subprocess.CompletedProcess[str]:
        """``rpm -e``: dependencies are enforced, so this fails while another package requires ``name``."""
        return _run([*self.rpm_args, "--erase", "--noscripts", name])

    def installed(self) -> dict[str, str]:
        """Installed packages: name -> ``<version>-<release>``."""
        out = _run([*self.rpm_args, "--query", "--all", "--queryformat", "%{NAME}\t%{VERSION}-%{RELEASE}\n"]).stdout
        rows = (line.split("\t", 1) for line in out.splitlines() if line)
        return {name: version for name, version in rows}


# ---------------------------------------------------------------------------------------------- helpers


def _run(cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **_ENV_OVERRIDES}
    try:
        proc = subprocess.run(list(cmd), capture_output=True, text=True, env=env, timeout=_TIMEOUT_S, check=False)
    except FileNotFoundError as exc:
        raise PackageBedError(cmd, 127, "", f"{cmd[0]} not found on PATH ({exc})") from exc
    except subprocess.TimeoutExpired as exc:
        raise PackageBedError(cmd, -1, "", f"timed out after {_TIMEOUT_S}s") from exc
    if proc.returncode != 0:
        raise PackageBedError(cmd, proc.returncode, proc.stdout, proc.stderr)
    return proc


def _strip_rpm_noise(stderr: str) -> str:
    return "\n".join(line for line in stderr.splitlines() if line.strip() not in _RPM_DEBIAN_NOISE)
