"""Package descriptions for the Linux test bed: Kaspersky look-alikes, innocent near-names, a replacement.

Each constant is a ``PackageSpec`` that builds as both .deb and .rpm (see ``pkgbed``). They are shaped
after the public facts about Kaspersky Endpoint Security for Linux (FACTS.md sections 3 and 5):

* ``KESL`` / ``KESL_GUI`` / ``KESL_ASTRA`` / ``KLNAGENT64`` - the product packages, their service units and
  the paths detection code looks at. ``kesl-control --app-info`` is a /bin/sh stand-in that prints the
  lines real tools parse ("Version:", "Last release date of databases:").
* ``KLEOPATRA`` / ``KLIBC_UTILS`` - real Debian package names starting with "kl" that must never be
  taken for Kaspersky (a bare ``kl*`` match is exactly the mistake FACTS.md section 7 warns about).
* ``OFFRAMP_TEST_AV`` - a neutral replacement antivirus for migration tests.

Versions follow the vendor's file naming (``kesl_11.2.0-<build number>_amd64.deb``,
``kesl-11.2.0-<build number>.x86_64.rpm``): upstream ``12.1.0`` with the build number as the package
release, so dpkg and rpm report ``12.1.0-1226`` while ``kesl-control`` reports ``12.1.0.1226``.
The bed's packages are ``all``/``noarch`` (real ones are per-architecture) so they install anywhere.
Anything not taken from a public source is marked "modelled" next to it.
"""

from __future__ import annotations

from types import MappingProxyType

from tests.support.pkgbed import PackageFile, PackageSpec

__all__ = [
    "ALL_SPECS",
    "KASPERSKY_SPECS",
    "KESL",
    "KESL_APP_VERSION",
    "KESL_ASTRA",
    "KESL_BASES_DATE",
    "KESL_CONF",
    "KESL_CONTROL",
    "KESL_GUI",
    "KESL_INI",
    "KESL_SERVICE",
    "KLEOPATRA",
    "KLIBC_UTILS",
    "KLNAGCHK",
    "KLNAGENT64",
    "KLNAGENT64_SERVICE",
    "LOOKALIKE_SPECS",
    "OFFRAMP_TEST_AV",
    "OFFRAMP_TEST_AV_BIN",
    "OFFRAMP_TEST_AV_SERVICE",
    "kesl_spec",
]

KASPERSKY_MAINTAINER = "AO Kaspersky Lab"  # the EULA rightholder (FACTS.md section 3); real field: modelled

# One day before the BIS cutoff of 2024-09-29: the last date a US machine could legitimately have.
KESL_BASES_DATE = "2024-09-28 21:04:00"
KESL_APP_VERSION = "12.1.0.1226"

KESL_CONTROL = "/opt/kaspersky/kesl/bin/kesl-control"
KESL_INI = "/var/opt/kaspersky/kesl/common/kesl.ini"
KESL_CONF = "/etc/kaspersky/kesl.conf"
KESL_SERVICE = "/lib/systemd/system/kesl.service"
KLNAGCHK = "/opt/kaspersky/klnagent64/bin/klnagchk"
KLNAGENT64_SERVICE = "/lib/systemd/system/klnagent64.service"
OFFRAMP_TEST_AV_BIN = "/usr/bin/offramp-test-av"
OFFRAMP_TEST_AV_SERVICE = "/lib/systemd/system/offramp-test-av.service"


def _exe(text: str) -> PackageFile:
    return PackageFile(text.lstrip("\n"), 0o755)


def _text(text: str) -> PackageFile:
    return PackageFile(text.lstrip("\n"), 0o644)


def _kesl_control(app_version: str, bases_date: str) -> PackageFile:
    # English labels as parsed by GLPI agent and Checkmk (FACTS.md section 5); the other lines and their
    # values are modelled on Checkmk's sample output. Russian locales print Russian labels, so a
    # collector must force LANG=en_US.UTF-8; the two Russian labels are the ones GLPI agent matches,
    # "Версия" is modelled. Locale precedence follows gettext: LC_ALL, then LC_MESSAGES, then LANG.
    return _exe(
        f"""
#!/bin/sh
# Test-bed stand-in for Kaspersky Endpoint Security's kesl-control (not the real program).
case "${{LC_ALL:-${{LC_MESSAGES:-${{LANG:-}}}}}}" in
  ru*) lang=ru ;;
  *) lang=en ;;
esac
case "$1" in
  --app-info)
    if [ "$lang" = ru ]; then
      echo "Версия: {app_version}"
      echo "Дата окончания срока действия лицензии: 2025-03-31"
      echo "Дата последнего выпуска баз приложения: {bases_date}"
    else
      echo "Name: Kaspersky Endpoint Security for Linux"
      echo "Version: {app_version}"
      echo "License expiration date: 2025-03-31"
      echo "Last run date of the Scan_My_Computer task: Never run"
      echo "Last release date of databases: {bases_date}"
      echo "Application databases loaded: Yes"
      echo "KSN state: Off"
      echo "Application update state: No application updates available"
    fi
    ;;
  *)
    echo "kesl-control: unknown command: $*" >&2
    exit 1
    ;;
esac
"""
    )


def _kesl_files(app_version: str, bases_date: str) -> dict[str, PackageFile]:
    return {
        KESL_CONTROL: _kesl_control(app_version, bases_date),
        # Named in the vendor's install docs; never run by the bed.
        "/opt/kaspersky/kesl/bin/kesl-setup.pl": _exe('#!/usr/bin/perl\nprint "kesl-setup stand-in\\n";\n'),
        # Daemon path and unit contents: modelled.
        "/opt/kaspersky/kesl/libexec/kesl": _exe("#!/bin/sh\nexec sleep infinity\n"),
        KESL_SERVICE: _text(
            """
[Unit]
Description=Kaspersky Endpoint Security for Linux
After=network.target

[Service]
Type=simple
ExecStart=/opt/kaspersky/kesl/libexec/kesl
Restart=on-failure

[Install]
WantedBy=multi-user.target
"""
        ),
        # Setting names modelled on the vendor's kesl.ini table (socket path default is documented).
        KESL_INI: _text(
            """
[General]
InstallationId=6f1c3a52-0d2e-4b8e-9f3a-3c1d2b4a5e60
DeviceId=a4b9e2c7-1f3d-4e5a-8b6c-7d9e0f1a2b3c
Locale=en_US.UTF-8
MemoryLimit=8192
UseFanotify=Yes
ControlSocketPath=/var/run/bl4control
"""
        ),
        KESL_CONF: _text(
            "# Kaspersky Endpoint Security for Linux settings (test bed, modelled)\nUpdateSource=KLServers\n"
        ),
    }


# Runtime data a real postinst creates outside the package's file list; stays after `dpkg -r`, goes on
# purge - a realistic leftover. "$DPKG_ROOT" keeps it inside the bed (see pkgbed's module docstring).
_KESL_SCRIPTS = {
    "postinst": """
mkdir -p "$DPKG_ROOT/var/log/kaspersky/kesl"
echo "kesl configured" >> "$DPKG_ROOT/var/log/kaspersky/kesl/install.log"
""",
    "postrm": """
if [ "$1" = purge ]; then
  rm -rf "$DPKG_ROOT/var/log/kaspersky/kesl"
  rmdir "$DPKG_ROOT/var/log/kaspersky" 2>/dev/null || true
fi
""",
}


def kesl_spec(
    *,
    name: str = "kesl",
    version: str = "12.1.0",
    build: str = "1226",
    bases_date: str = KESL_BASES_DATE,
    conflicts: tuple[str, ...] = (),
) -> PackageSpec:
    """A kesl package; vary ``bases_date`` or the version to test stale/fresh database handling."""
    return PackageSpec(
        name=name,
        version=version,
        release=build,
        maintainer=KASPERSKY_MAINTAINER,
        description=(
            "Kaspersky Endpoint Security for Linux\n"
            "Test-bed package shaped like the vendor's kesl package; contains no Kaspersky code."
        ),
        conflicts=conflicts,
        files=_kesl_files(f"{version}.{build}", bases_date),
        conffiles=(KESL_CONF,),
        scripts=_KESL_SCRIPTS,
    )


KESL = kesl_spec()

# Astra Linux build: same files under the same paths, so it cannot coexist with kesl (modelled relation).
KESL_ASTRA = kesl_spec(name="kesl-astra", conflicts=("kesl",))

# The GUI needs the application; the vendor says to remove kesl-gui before kesl.
KESL_GUI = PackageSpec(
    name="kesl-gui",
    version="12.1.0",
    release="1226",
    maintainer=KASPERSKY_MAINTAINER,
    description=("Kaspersky Endpoint Security for Linux graphical interface\nTest-bed package; no Kaspersky code."),
    depends=("kesl",),
    files={
        "/opt/kaspersky/kesl/bin/kesl-gui": _exe("#!/bin/sh\necho 'kesl-gui stand-in'\n"),
        "/usr/share/applications/kesl-gui.desktop": _text(
            """
[Desktop Entry]
Type=Application
Name=Kaspersky Endpoint Security for Linux
Exec=/opt/kaspersky/kesl/bin/kesl-gui
"""
        ),
    },
)

# Network Agent for Kaspersky Security Center 15.1; the build number is modelled.
KLNAGENT64 = PackageSpec(
    name="klnagent64",
    version="15.1.0",
    release="20748",
    maintainer=KASPERSKY_MAINTAINER,
    description="Kaspersky Security Center Network Agent\nTest-bed package; no Kaspersky code.",
    files={
        KLNAGCHK: _exe(
            """
#!/bin/sh
# Test-bed stand-in for the Network Agent check utility (output modelled).
echo "Network Agent version: 15.1.0.20748"
echo "Network Agent is running"
echo "Administration Server: ksc.example.invalid"
"""
        ),
        "/opt/kaspersky/klnagent64/bin/klmover": _exe("#!/bin/sh\necho 'klmover stand-in'\n"),
        "/opt/kaspersky/klnagent64/sbin/klnagent": _exe("#!/bin/sh\nexec sleep infinity\n"),
        KLNAGENT64_SERVICE: _text(
            """
[Unit]
Description=Kaspersky Security Center Network Agent
After=network.target

[Service]
Type=simple
ExecStart=/opt/kaspersky/klnagent64/sbin/klnagent

[Install]
WantedBy=multi-user.target
"""
        ),
    },
)

# Real Debian 12 package names and maintainers (the Debian version carries an epoch, 4:22.12.3-1, which
# the bed leaves out). Their only link to Kaspersky is the "kl" prefix.
KLEOPATRA = PackageSpec(
    name="kleopatra",
    version="22.12.3",
    release="1",
    maintainer="Debian Qt/KDE Maintainers <debian-qt-kde@lists.debian.org>",
    description="Certificate Manager and Unified Crypto GUI\nKDE's certificate manager (test-bed copy).",
    files={
        "/usr/bin/kleopatra": _exe("#!/bin/sh\necho 'kleopatra stand-in'\n"),
        "/usr/share/applications/org.kde.kleopatra.desktop": _text(
            "[Desktop Entry]\nType=Application\nName=Kleopatra\nExec=kleopatra\n"
        ),
    },
)

KLIBC_UTILS = PackageSpec(
    name="klibc-utils",
    version="2.0.12",
    release="1",
    maintainer="Debian Kernel Team <debian-kernel@lists.debian.org>",
    description="small utilities built with klibc for early boot\nTest-bed copy.",
    files={
        "/usr/lib/klibc/bin/cat": _exe('#!/bin/sh\nexec cat "$@"\n'),
        "/usr/lib/klibc/bin/ls": _exe('#!/bin/sh\nexec ls "$@"\n'),
    },
)

# The neutral replacement that migration tests install (e.g. from a loopback HTTP server).
OFFRAMP_TEST_AV = PackageSpec(
    name="offramp-test-av",
    version="1.0",
    release="1",
    description="Offramp test antivirus\nNeutral replacement antivirus used by Offramp's migration tests.",
    files={
        OFFRAMP_TEST_AV_BIN: _exe(
            """
#!/bin/sh
case "$1" in
  --version) echo "offramp-test-av 1.0" ;;
  --status) echo "protection: on" ;;
  *) echo "usage: offramp-test-av --version|--status" >&2; exit 2 ;;
esac
"""
        ),
        OFFRAMP_TEST_AV_SERVICE: _text(
            """
[Unit]
Description=Offramp test antivirus

[Service]
Type=simple
ExecStart=/usr/bin/offramp-test-av --status

[Install]
WantedBy=multi-user.target
"""
        ),
    },
)

# Installable together (kesl-astra conflicts with kesl, so it is kept apart).
KASPERSKY_SPECS: tuple[PackageSpec, ...] = (KESL, KESL_GUI, KLNAGENT64)
LOOKALIKE_SPECS: tuple[PackageSpec, ...] = (KLEOPATRA, KLIBC_UTILS)

ALL_SPECS: MappingProxyType[str, PackageSpec] = MappingProxyType(
    {s.name: s for s in (*KASPERSKY_SPECS, KESL_ASTRA, *LOOKALIKE_SPECS, OFFRAMP_TEST_AV)}
)
