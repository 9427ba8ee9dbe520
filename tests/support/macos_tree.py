"""A macOS system as a folder tree, for the macOS collector and --root scans: Kaspersky for Mac, look-alikes.

Every property list is written by plistlib in the format the real file uses (binary for compiled
bundles, receipts and the system-extension database; XML for launchd jobs and SystemVersion.plist),
so the collector reads exactly what it would read from a mounted Mac volume.

Names and paths follow FACTS.md section 3 (macOS): the app /Applications/Kaspersky Anti-Virus For
Mac.app, launchd jobs com.kaspersky.kav and com.kaspersky.kav.gui, receipt com.kaspersky.kav.core,
kext com.kaspersky.kext.klif (klif.kext), system extension com.kaspersky.kav.sysext from team
2Y8XE5CQ94, and /Library/Application Support/Kaspersky Lab/KAV/Binaries. Values not taken from a
public source (versions, dates, program arguments, the app's own bundle id) are marked "modelled".
"""

from __future__ import annotations

import datetime as dt
import plistlib
from pathlib import Path
from typing import Any

BINARY = plistlib.FMT_BINARY
XML = plistlib.FMT_XML

KAV_APP = "/Applications/Kaspersky Anti-Virus For Mac.app"
KAV_APP_ID = "com.kaspersky.kav"  # modelled: FACTS names the daemon label, not the app's bundle id
KAV_VERSION = "21.0.15"  # modelled
KAV_BUILD = "21.0.15.520"  # modelled
KAV_DAEMON = "/Library/LaunchDaemons/com.kaspersky.kav.plist"
KAV_AGENT = "/Library/LaunchAgents/com.kaspersky.kav.gui.plist"
KAV_SUPPORT = "/Library/Application Support/Kaspersky Lab"
KAV_BINARY = f"{KAV_SUPPORT}/KAV/Binaries/kav"
KAV_UNINSTALL = f"{KAV_SUPPORT}/KAV/Binaries/UninstallScript"
KAV_RECEIPT = "/var/db/receipts/com.kaspersky.kav.core.plist"
KAV_INSTALL_DATE = dt.datetime(2024, 6, 10, 14, 3, 20)  # modelled; plist dates are UTC
KAV_INSTALL_TIME = "1718028200"  # the same instant as unix seconds
KLIF_KEXT = "/Library/Extensions/klif.kext"
KLIF_ID = "com.kaspersky.kext.klif"
SYSEXT_ID = "com.kaspersky.kav.sysext"
SYSEXT_TEAM = "2Y8XE5CQ94"
SYSEXT_UUID = "5E0B4C8A-3D52-4C8F-9A56-0B7F2B1E6C11"  # modelled
SYSEXT_ORIGIN = f"{KAV_APP}/Contents/Library/SystemExtensions/{SYSEXT_ID}.systemextension"
USER = "alice"
USER_PREFS = f"/Users/{USER}/Library/Preferences/com.kaspersky.kav.plist"

# Not Kaspersky: UltraAV is what US Kaspersky users were moved to; Kleopatra (KDE) and Keka start with "K".
ULTRAAV_APP = "/Applications/UltraAV.app"
ULTRAAV_ID = "com.ultraav.UltraAV"  # modelled
KLEOPATRA_APP = "/Applications/Kleopatra.app"
KLEOPATRA_ID = "org.kde.kleopatra"
SAFARI_APP = "/Applications/Safari.app"
KEKA_APP = "/Applications/Utilities/Keka.app"
USER_APP = f"/Users/{USER}/Applications/Firefox.app"
USER_AGENT = f"/Users/{USER}/Library/LaunchAgents/com.google.keystone.agent.plist"


def _at(root: Path, shown: str) -> Path:
    return root / shown.lstrip("/")


def write_plist(root: Path, shown: str, data: Any, fmt: plistlib.PlistFormat = XML) -> Path:
    path = _at(root, shown)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        plistlib.dump(data, handle, fmt=fmt)
    return path


def write_file(root: Path, shown: str, content: bytes | str = b"") -> Path:
    path = _at(root, shown)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def add_app(
    root: Path,
    shown: str,
    bundle_id: str,
    *,
    short: str = "1.0",
    build: str = "1",
    display: str | None = None,
    fmt: plistlib.PlistFormat = BINARY,
) -> Path:
    name = shown.rstrip("/").rsplit("/", 1)[1].removesuffix(".app")
    info: dict[str, Any] = {
        "CFBundleIdentifier": bundle_id,
        "CFBundleName": name,
        "CFBundleExecutable": name,
        "CFBundlePackageType": "APPL",
        "CFBundleShortVersionString": short,
        "CFBundleVersion": build,
        "LSUIElement": False,
    }
    if display:
        info["CFBundleDisplayName"] = display
    write_file(root, f"{shown}/Contents/MacOS/{name}", b"\xcf\xfa\xed\xfe")  # Mach-O magic only; never run
    return write_plist(root, f"{shown}/Contents/Info.plist", info, fmt)


def add_system_version(root: Path, version: str = "14.5", build: str = "23F79") -> Path:
    return write_plist(
        root,
        "/System/Library/CoreServices/SystemVersion.plist",
        {
            "ProductBuildVersion": build,
            "ProductCopyright": "1983-2024 Apple Inc.",
            "ProductName": "macOS",
            "ProductUserVisibleVersion": version,
            "ProductVersion": version,
            "iOSSupportVersion": "17.5",
        },
        XML,
    )


def add_user(root: Path, name: str = USER) -> Path:
    home = _at(root, f"/Users/{name}")
    (home / "Library" / "Preferences").mkdir(parents=True, exist_ok=True)
    write_file(root, "/Users/.localized")
    _at(root, "/Users/Shared").mkdir(parents=True, exist_ok=True)
    return home


def add_kav_app(root: Path) -> None:
    add_app(root, KAV_APP, KAV_APP_ID, short=KAV_VERSION, build=KAV_BUILD, display="Kaspersky Anti-Virus")


def add_kav_daemon(root: Path) -> None:
    # The label is from FACTS; the arguments are modelled.
    write_plist(
        root,
        KAV_DAEMON,
        {"Label": "com.kaspersky.kav", "ProgramArguments": [KAV_BINARY, "-d"], "RunAtLoad": True, "KeepAlive": True},
        XML,
    )


def add_kav_agent(root: Path) -> None:
    write_plist(
        root,
        KAV_AGENT,
        {
            "Label": "com.kaspersky.kav.gui",
            "Program": f"{KAV_APP}/Contents/MacOS/kav_agent",  # modelled
            "LimitLoadToSessionType": "Aqua",
            "RunAtLoad": True,
            "Disabled": False,
        },
        BINARY,
    )


def add_kav_receipt(root: Path) -> None:
    # The identifier is from FACTS; the other values are modelled.
    write_plist(
        root,
        KAV_RECEIPT,
        {
            "PackageIdentifier": "com.kaspersky.kav.core",
            "PackageVersion": KAV_BUILD,
            "PackageFileName": "kav_core.pkg",
            "InstallPrefixPath": "/",
            "InstallDate": KAV_INSTALL_DATE,
            "InstallProcessName": "installer",
        },
        BINARY,
    )
    # The bill of materials beside each receipt; only its magic number is real (the collector never reads it).
    write_file(root, KAV_RECEIPT.removesuffix(".plist") + ".bom", b"BOMStore" + bytes(24))


def add_klif_kext(root: Path) -> None:
    write_plist(
        root,
        f"{KLIF_KEXT}/Contents/Info.plist",
        {
            "CFBundleIdentifier": KLIF_ID,
            "CFBundleName": "klif",
            "CFBundlePackageType": "KEXT",
            "CFBundleVersion": KAV_VERSION,
            "OSBundleRequired": "Root",
        },
        BINARY,
    )


def add_kav_sysext(root: Path) -> None:
    extension = {
        "identifier": SYSEXT_ID,
        "teamID": SYSEXT_TEAM,
        "uniqueID": SYSEXT_UUID,
        "state": "activated_enabled",
        "categories": ["com.apple.system_extension.endpoint_security"],
        "originPath": SYSEXT_ORIGIN,
        "bundleVersion": {"CFBundleShortVersionString": KAV_VERSION, "CFBundleVersion": KAV_BUILD},
        "container": {"bundlePath": KAV_APP, "bundleShortVersion": KAV_VERSION},
        "stagedBundleURL": {"relative": f"file:///Library/SystemExtensions/{SYSEXT_UUID}/{SYSEXT_ID}.systemextension/"},
        "references": [{"appIdentifier": KAV_APP_ID, "teamID": SYSEXT_TEAM, "appRef": ""}],
    }
    write_plist(
        root,
        "/Library/SystemExtensions/db.plist",
        {"version": 1, "extensions": [extension], "extensionPolicies": [], "bootUUID": ""},
        BINARY,
    )


def add_kav_files(root: Path) -> None:
    write_file(root, KAV_BINARY, b"\xcf\xfa\xed\xfe")
    write_file(root, KAV_UNINSTALL, "#!/bin/sh\nexit 0\n")
    write_file(root, "/Library/Logs/Kaspersky Lab/kav.log", "")
    _at(root, "/Library/Caches/com.kaspersky.kav").mkdir(parents=True, exist_ok=True)
    write_plist(root, USER_PREFS, {"FirstRun": False}, BINARY)


def add_lookalikes(root: Path) -> None:
    add_app(root, ULTRAAV_APP, ULTRAAV_ID, short="7.1.2", build="7.1.2.45")
    add_app(root, KLEOPATRA_APP, KLEOPATRA_ID, short="3.2.2", build="3.2.2", fmt=XML)


def add_neutral(root: Path) -> None:
    add_app(root, SAFARI_APP, "com.apple.Safari", short="17.5", build="19618.2.12.11.6", display="Safari")
    add_app(root, KEKA_APP, "com.aone.keka", short="1.4.2", build="5712", fmt=XML)
    add_app(root, USER_APP, "org.mozilla.firefox", short="127.0", build="12724.6.7")
    write_plist(
        root,
        USER_AGENT,
        {
            "Label": "com.google.keystone.user.agent",
            "ProgramArguments": [
                "/Users/alice/Library/Google/GoogleSoftwareUpdate/"
                "GoogleSoftwareUpdate.bundle/Contents/Resources/"
                "GoogleSoftwareUpdateAgent.app/Contents/MacOS/"
                "GoogleSoftwareUpdateAgent",
                "-runMode",
                "ifneeded",
            ],
            "StartInterval": 3623,
            "RunAtLoad": True,
        },
        XML,
    )


def build(root: Path) -> Path:
    """A Mac with Kaspersky Anti-Virus for Mac installed, beside look-alikes and ordinary apps."""
    add_system_version(root)
    add_user(root)
    for part in (
        add_kav_app,
        add_kav_daemon,
        add_kav_agent,
        add_kav_receipt,
        add_klif_kext,
        add_kav_sysext,
        add_kav_files,
        add_lookalikes,
        add_neutral,
    ):
        part(root)
    return root


def build_leftovers(root: Path) -> Path:
    """A Mac where the app was dragged to the Trash: only the launchd daemon and the kext remain."""
    add_system_version(root)
    add_user(root)
    add_kav_daemon(root)
    add_klif_kext(root)
    add_neutral(root)
    return root
