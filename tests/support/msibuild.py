"""Real Windows Installer packages for tests, built with Debian's ``wixl`` (msitools) from generated WiX XML.

Offramp removes MSI products with ``msiexec /x {ProductCode}`` and installs replacements with ``msiexec /i``,
so the Wine test bed needs genuine .msi files whose ProductCode, name, publisher, bitness, files, services
and registry values look like the products they stand for. ``MsiSpec`` describes one; ``build_msi`` renders
it to .wxs and runs wixl.

What wixl 0.101 does (each point tried, then installed with Wine 8's msiexec):

* Product, Package, Media (embedded cab), Directory, Component (``Win64="yes"``), File, RegistryKey /
  RegistryValue under HKLM (types ``string`` and ``integer``; 0xFFFFFFFF works), ServiceInstall
  (``ownProcess``/``shareProcess``; Start ``auto``/``demand``/``disabled``), ServiceControl
  (``Remove="uninstall"`` deletes the service on /x), a launch ``Condition``, and a type-51 CustomAction
  (set a property) in InstallExecuteSequence. ``After=`` is unreliable there: with a ServiceInstall in the
  package, ``After="CostFinalize"`` ran the action after InstallFinalize, so explicit ``Sequence=`` is used.
* Bitness comes from ``wixl -a x64|x86``; ``<Package Platform=...>`` is ignored with a GLib warning.
  Under 64-bit Wine an x86 package lands in ``C:\\Program Files (x86)`` and writes its Uninstall entry
  and registry values under ``HKLM\\SOFTWARE\\WOW6432Node``, as on real Windows.

What it does not do (use ``WineBed.create_service`` / ``WineBed.reg_add`` after installing instead):

* ServiceInstall ``Type="kernelDriver"``/``systemDriver`` ("Can't convert string to enum"), and
  Start ``boot``/``system``: kernel and file-system drivers cannot come from the MSI.
* ``Type="expandable"`` is written as REG_SZ, not REG_EXPAND_SZ; ``multiString`` with MultiStringValue
  children crashes wixl. So only REG_SZ and REG_DWORD values go in the package.
* Without ServiceControl an uninstall leaves the service behind (Windows Installer semantics, not a wixl
  gap); ``MsiService.remove_on_uninstall=False`` models products that leave a service after removal.

msiexec does not write ``InstallLocation`` by itself; like many real packages, the generated package sets
ARPINSTALLLOCATION to the install folder with a type-51 custom action, so the Uninstall entry has one.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Literal

__all__ = ["WIXL", "MsiBuildError", "MsiService", "MsiSpec", "RegistryValue", "build_msi", "render_wxs"]

WIXL = "wixl"
_NS = "http://schemas.microsoft.com/wix/2006/wi"
# Component GUIDs must be stable across builds of the same spec (Windows Installer reference-counts
# components by GUID), so they are derived from the product code and the component's content.
_COMPONENT_NAMESPACE = uuid.UUID("7f6b1c1e-1a43-4b0e-9a56-0ff1a2a3b4c5")
_GUID = re.compile(r"^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$")

Arch = Literal["x64", "x86"]
StartType = Literal["auto", "demand", "disabled"]


class MsiBuildError(RuntimeError):
    """wixl rejected the generated WiX source; the message carries wixl's complaint and the .wxs path."""


@dataclass(frozen=True)
class RegistryValue:
    """One value the package writes. ``int`` becomes REG_DWORD, ``str`` REG_SZ; ``name=""`` is the default value.

    ``key`` is below ``root`` and written as the package's bitness sees it: in an x86 package,
    ``SOFTWARE\\KasperskyLab`` ends up at ``SOFTWARE\\WOW6432Node\\KasperskyLab``.
    """

    key: str
    name: str
    value: str | int
    root: Literal["HKLM", "HKCU"] = "HKLM"


@dataclass(frozen=True)
class MsiService:
    """A Win32 service installed by the package for the file ``executable`` (a key of ``MsiSpec.files``)."""

    name: str
    display_name: str
    executable: str
    start: StartType = "demand"
    description: str = ""
    remove_on_uninstall: bool = True


@dataclass(frozen=True)
class MsiSpec:
    """A product as msiexec and the Uninstall registry key will show it.

    ``install_dir`` is relative to Program Files (``Program Files (x86)`` for x86); empty means
    ``<manufacturer>\\<name>``. ``files`` maps paths relative to it (``\\`` or ``/``) to text content.
    ``uninstall_condition`` is an MSI condition that must hold for ``msiexec /x`` to go ahead, e.g.
    ``KLPASSWD="secret"``; otherwise the uninstall fails with 1603, like a password-protected Kaspersky
    product whose password was not given.
    """

    name: str
    manufacturer: str
    version: str
    product_code: str
    upgrade_code: str
    arch: Arch = "x64"
    install_dir: str = ""
    files: Mapping[str, str] = field(default_factory=dict)
    registry: Sequence[RegistryValue] = ()
    services: Sequence[MsiService] = ()
    uninstall_condition: str = ""

    def __post_init__(self) -> None:
        for label, guid in (("product_code", self.product_code), ("upgrade_code", self.upgrade_code)):
            if not _GUID.match(guid):
                raise ValueError(f"{self.name}: {label} {guid!r} must look like {{XXXXXXXX-XXXX-...}} in upper case")
        if self.arch not in ("x64", "x86"):
            raise ValueError(f"{self.name}: arch must be x64 or x86, not {self.arch!r}")
        normalized = {_win(p) for p in self.files}
        for service in self.services:
            if _win(service.executable) not in normalized:
                raise ValueError(f"{self.name}: service {service.name} runs {service.executable}, not in files")
        for value in self.registry:
            if isinstance(value.value, int) and not 0 <= value.value <= 0xFFFFFFFF:
                raise ValueError(f"{self.name}: {value.key}\\{value.name} does not fit a DWORD")

    @property
    def install_path(self) -> str:
        """The Windows folder the files go to, e.g. ``C:\\Program Files (x86)\\Kaspersky Lab\\NetworkAgent``."""
        base = "C:\\Program Files" if self.arch == "x64" else "C:\\Program Files (x86)"
        return f"{base}\\{self._install_dir()}"

    def _install_dir(self) -> str:
        return _win(self.install_dir) if self.install_dir else f"{self.manufacturer}\\{self.name}"


def render_wxs(spec: MsiSpec, sources: Mapping[str, str]) -> str:
    """WiX XML for ``spec``; ``sources`` maps each file path in ``spec.files`` to its Source= on disk."""
    ET.register_namespace("", _NS)
    wix = _el(None, "Wix")
    product = _el(
        wix,
        "Product",
        Id=spec.product_code,
        Name=spec.name,
        Language="1033",
        Version=spec.version,
        Manufacturer=spec.manufacturer,
        UpgradeCode=spec.upgrade_code,
    )
    _el(
        product,
        "Package",
        InstallerVersion="500",
        Compressed="yes",
        InstallScope="perMachine",
        Manufacturer=spec.manufacturer,
        Description=spec.name,
    )
    _el(product, "Media", Id="1", Cabinet="product.cab", EmbedCab="yes")
    if spec.uninstall_condition:
        condition = _el(product, "Condition", Message=f"{spec.name} cannot be removed without its password.")
        # Launch conditions are evaluated on install too, where REMOVE is unset, so only /x is gated.
        condition.text = f'NOT (REMOVE="ALL") OR ({spec.uninstall_condition})'
    _el(product, "CustomAction", Id="SetArpInstallLocation", Property="ARPINSTALLLOCATION", Value="[INSTALLDIR]")
    sequence = _el(product, "InstallExecuteSequence")
    # Right after CostFinalize (1000), when [INSTALLDIR] is resolved. Not After="CostFinalize": in a
    # package with ServiceInstall, wixl then sequences the action after InstallFinalize, too late.
    _el(sequence, "Custom", Action="SetArpInstallLocation", Sequence="1001")

    win64 = {"Win64": "yes"} if spec.arch == "x64" else {}
    target = _el(product, "Directory", Id="TARGETDIR", Name="SourceDir")
    program_files = _el(target, "Directory", Id="ProgramFiles64Folder" if spec.arch == "x64" else "ProgramFilesFolder")
    install_dir = _nested_dirs(program_files, PureWindowsPath(spec._install_dir()).parts, final_id="INSTALLDIR")
    feature = _el(product, "Feature", Id="Complete", Level="1", Title=spec.name)
    services = {_win(s.executable): s for s in spec.services}

    for rel_path in sorted(spec.files, key=_win):
        parts = PureWindowsPath(_win(rel_path)).parts
        parent = _nested_dirs(install_dir, parts[:-1]) if len(parts) > 1 else install_dir
        comp_id = _id("c", spec.product_code, rel_path)
        component = _el(parent, "Component", Id=comp_id, Guid=_component_guid(spec, rel_path), **win64)
        _el(
            component,
            "File",
            Id=_id("f", spec.product_code, rel_path),
            Name=parts[-1],
            Source=sources[rel_path],
            KeyPath="yes",
        )
        if (service := services.get(_win(rel_path))) is not None:
            _el(
                component,
                "ServiceInstall",
                Id=_id("s", spec.product_code, service.name),
                Name=service.name,
                DisplayName=service.display_name,
                Description=service.description or service.display_name,
                Type="ownProcess",
                Start=service.start,
                ErrorControl="normal",
            )
            if service.remove_on_uninstall:
                _el(
                    component,
                    "ServiceControl",
                    Id=_id("sc", spec.product_code, service.name),
                    Name=service.name,
                    Stop="both",
                    Remove="uninstall",
                    Wait="yes",
                )
        _el(feature, "ComponentRef", Id=comp_id)

    by_key: dict[tuple[str, str], list[RegistryValue]] = {}
    for value in spec.registry:
        by_key.setdefault((value.root, _win(value.key)), []).append(value)
    for (root, key), values in by_key.items():
        comp_id = _id("r", spec.product_code, root, key)
        component = _el(install_dir, "Component", Id=comp_id, Guid=_component_guid(spec, root, key), **win64)
        reg_key = _el(component, "RegistryKey", Root=root, Key=key)
        for index, value in enumerate(values):
            attrs = {"Type": "integer" if isinstance(value.value, int) else "string", "Value": str(value.value)}
            if value.name:
                attrs["Name"] = value.name
            if index == 0:
                attrs["KeyPath"] = "yes"
            _el(reg_key, "RegistryValue", **attrs)
        _el(feature, "ComponentRef", Id=comp_id)

    ET.indent(wix)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(wix, encoding="unicode") + "\n"


def build_msi(spec: MsiSpec, out_dir: Path, timeout: float = 60) -> Path:
    """Build ``spec`` into ``out_dir`` (created) with wixl and return the .msi path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staged = out_dir / "files"
    sources: dict[str, str] = {}
    for rel_path, content in spec.files.items():
        # Flat, hashed names: the install layout comes from the .wxs, not from the staging folder.
        source = staged / _id("f", spec.product_code, rel_path)
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(content, encoding="utf-8")
        # wixl only accepts Source paths relative to its working directory.
        sources[rel_path] = f"{staged.name}/{source.name}"
    slug = re.sub(r"[^A-Za-z0-9]+", "-", spec.name).strip("-").lower()
    wxs = out_dir / f"{slug}-{spec.version}.wxs"
    msi = wxs.with_suffix(".msi")
    wxs.write_text(render_wxs(spec, sources), encoding="utf-8")
    done = subprocess.run(
        [WIXL, "-a", spec.arch, "-o", msi.name, wxs.name],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        cwd=out_dir,
    )
    # wixl reports unknown attributes only as GLib warnings and still exits 0; a generator bug must not
    # silently produce a package that lacks what the spec asked for.
    if done.returncode != 0 or "WARNING" in done.stderr or "CRITICAL" in done.stderr:
        raise MsiBuildError(f"wixl failed for {wxs} (exit {done.returncode}): {done.stderr.strip()}")
    return msi


def _el(parent: ET.Element | None, tag: str, **attrs: str) -> ET.Element:
    if parent is None:
        return ET.Element(f"{{{_NS}}}{tag}", attrs)
    return ET.SubElement(parent, f"{{{_NS}}}{tag}", attrs)


def _nested_dirs(parent: ET.Element, names: Sequence[str], final_id: str = "") -> ET.Element:
    """Directory elements for ``names`` below ``parent``, reusing ones already there."""
    for index, name in enumerate(names):
        existing = [d for d in parent.findall(f"{{{_NS}}}Directory") if d.get("Name") == name]
        if existing:
            parent = existing[0]
            continue
        last = index == len(names) - 1
        dir_id = final_id if last and final_id else _id("d", parent.get("Id", ""), name)
        parent = _el(parent, "Directory", Id=dir_id, Name=name)
    return parent


def _id(kind: str, *parts: str) -> str:
    # MSI identifiers: letters, digits, '_' and '.', at most 72 characters; a hash keeps them unique and short.
    return f"{kind}_{hashlib.sha1('|'.join(parts).lower().encode()).hexdigest()[:20]}"


def _component_guid(spec: MsiSpec, *parts: str) -> str:
    return "{" + str(uuid.uuid5(_COMPONENT_NAMESPACE, "|".join((spec.product_code, *parts)).lower())).upper() + "}"


def _win(path: str) -> str:
    return path.replace("/", "\\").strip("\\")
