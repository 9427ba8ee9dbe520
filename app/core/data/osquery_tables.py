"""The osquery tables Offramp's inventory uses: their columns (as osquery names them) and where each exists.

The inventory format is borrowed from osquery so a fleet can hand Offramp osquery's own output;
this list keeps the catalogue, the collectors and the exported query pack speaking the same names.
Columns are the subset of osquery's schema Offramp reads or reports.
"""

from __future__ import annotations

from offramp.core.data import platforms

ALL = platforms.ALL

TABLES: dict[str, tuple[str, ...]] = {
    "programs": (
        "name",
        "version",
        "install_location",
        "install_source",
        "publisher",
        "uninstall_string",
        "install_date",
        "identifying_number",
    ),
    "services": (
        "name",
        "service_type",
        "display_name",
        "status",
        "pid",
        "start_type",
        "path",
        "module_path",
        "description",
        "user_account",
    ),
    "processes": ("pid", "name", "path", "cmdline", "parent", "uid"),
    "registry": ("key", "path", "name", "type", "data", "mtime"),
    "file": ("path", "directory", "filename", "type", "size", "mtime"),
    "windows_security_products": (
        "type",
        "name",
        "state",
        "state_timestamp",
        "remediation_path",
        "signatures_up_to_date",
    ),
    "apps": (
        "name",
        "path",
        "bundle_identifier",
        "bundle_name",
        "bundle_short_version",
        "bundle_version",
        "display_name",
    ),
    "launchd": ("path", "name", "label", "program", "program_arguments", "run_at_load", "disabled"),
    "package_receipts": ("package_id", "package_filename", "version", "location", "install_time", "path"),
    "kernel_extensions": ("idx", "name", "version", "path"),
    "system_extensions": ("path", "UUID", "state", "identifier", "version", "category", "bundle_path", "team"),
    "deb_packages": ("name", "version", "source", "arch", "revision", "status", "maintainer", "admindir"),
    "rpm_packages": ("name", "version", "release", "source", "arch", "epoch", "vendor"),
    "systemd_units": ("id", "description", "load_state", "active_state", "sub_state", "fragment_path", "source_path"),
}

_PLATFORMS: dict[str, tuple[str, ...]] = {
    "programs": ("windows",),
    "services": ("windows",),
    "registry": ("windows",),
    "windows_security_products": ("windows",),
    "apps": ("darwin",),
    "launchd": ("darwin",),
    "package_receipts": ("darwin",),
    "kernel_extensions": ("darwin",),
    "system_extensions": ("darwin",),
    "deb_packages": ("linux",),
    "rpm_packages": ("linux",),
    "systemd_units": ("linux",),
    "processes": ALL,
    "file": ALL,
}


# The columns of each table that hold the path of the thing itself: a file, a key, the image a service or
# process runs, the program a launchd job starts, a bundle. A catalogue's `roots` are compared with these.
PATH_COLUMNS: dict[str, tuple[str, ...]] = {
    "file": ("path",),
    "registry": ("path", "key"),
    "services": ("path", "module_path"),
    "processes": ("path",),
    "launchd": ("program",),
    "systemd_units": ("fragment_path", "source_path"),
    "apps": ("path",),
    "kernel_extensions": ("path",),
    "system_extensions": ("bundle_path",),
}
# Columns that hold a command line rather than a bare path: quoted, maybe with \??\ in front.
COMMAND_COLUMNS = {("services", "path"), ("services", "module_path"), ("launchd", "program")}


def platforms_of(table: str) -> tuple[str, ...]:
    return _PLATFORMS[table]
