"""What a package database's state words mean for Offramp: present (installed, however badly) or gone.

dpkg records each package as a triple, want / error flag / status (dpkg-query(1), "Status"):
want is unknown, install, hold, deinstall or purge; the flag is ok or reinstreq; the status is
not-installed, config-files, half-installed, unpacked, half-configured, triggers-awaited,
triggers-pending or installed. Only the status says whether the package's files and maintainer
scripts are on the machine; the want is a wish (`ri`, `pi` are still installed) and the flag asks
for repair. So a package counts as *present* in every status but not-installed and config-files:
a half-installed or half-configured package (a power cut during dpkg) still has files and scripts,
and only dpkg can take them away properly.

config-files is not present: dpkg has already run the package's removal scripts and deleted every
file but its configuration files. What is left is a leftover that dpkg itself purges (`dpkg -P`),
so it is reported, and removed like the other leftovers, never called installed.

rpm keeps no half states in its database: a package listed by `rpm -q` is installed (an
interrupted `rpm -e` leaves the header and some files, and `rpm -e` again finishes it).
"""

# No `from __future__ import annotations` here: NamedTuple compiles text annotations on import.
from typing import NamedTuple

WANTS = ("unknown", "install", "hold", "deinstall", "purge")
FLAGS = ("ok", "reinstreq")
STATUSES = (
    "not-installed",
    "config-files",
    "half-installed",
    "unpacked",
    "half-configured",
    "triggers-awaited",
    "triggers-pending",
    "installed",
)
GONE = ("not-installed", "config-files")


class DpkgStatus(NamedTuple):
    want: str
    flag: str
    status: str

    @classmethod
    def parse(cls, text: str) -> "DpkgStatus":
        """Reads dpkg's Status field ("install ok installed"); an unreadable one counts as present, to be safe."""
        words = text.split()
        if len(words) == 3 and words[0] in WANTS and words[1] in FLAGS and words[2] in STATUSES:
            return cls(words[0], words[1], words[2])
        return cls("unknown", "reinstreq", "half-installed")

    @property
    def present(self) -> bool:
        """The package's files or scripts may still be on the machine: only dpkg may remove it."""
        return self.status not in GONE

    @property
    def config_only(self) -> bool:
        return self.status == "config-files"

    @property
    def needs_reinstreq_force(self) -> bool:
        """dpkg refuses `-r` for a package marked for reinstallation; dpkg(1) documents
        --force-remove-reinstreq as the way to remove it anyway."""
        return self.flag == "reinstreq"

    def __str__(self) -> str:
        return f"{self.want} {self.flag} {self.status}"
