"""Smoke tests proving the Linux package test bed behaves like real dpkg/rpm systems.

They install the Kaspersky-shaped packages from ``linux_fixtures`` into private roots and check what
later collector/uninstaller tests will rely on: the real query tools see the packages, dependency order
is enforced on removal, files disappear, the kesl-control stand-in prints its databases date, and the
machine's own package databases are never touched.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.linux_fixtures import (
    KASPERSKY_SPECS,
    KESL,
    KESL_APP_VERSION,
    KESL_ASTRA,
    KESL_BASES_DATE,
    KESL_CONF,
    KESL_CONTROL,
    KESL_GUI,
    KESL_INI,
    KESL_SERVICE,
    KLEOPATRA,
    KLIBC_UTILS,
    KLNAGCHK,
    KLNAGENT64,
    OFFRAMP_TEST_AV,
    OFFRAMP_TEST_AV_BIN,
    kesl_spec,
)
from tests.support.pkgbed import DpkgRoot, PackageBedError, PackageSpec, RpmRoot

if TYPE_CHECKING:
    # Only for annotations: importing the plugin module before pytest loads it through pytest_plugins
    # raises "Module already imported so cannot be rewritten" (an error under filterwarnings=error).
    from tests.support.pkgbed_fixtures import BuiltPackages

# The bed's fixtures (dpkg_root, rpm_root, built_packages). Loading the same plugin again from
# tests/conftest.py is harmless: pytest registers a plugin module once.
pytest_plugins = ["tests.support.pkgbed_fixtures"]

KASPERSKY_NAMES = {spec.name for spec in KASPERSKY_SPECS}


def in_root(root: DpkgRoot | RpmRoot, path: str) -> Path:
    return root.path / path.lstrip("/")


def host_dpkg_packages() -> set[str]:
    """The host's own package list, as `dpkg-query -W` prints it (name, version)."""
    out = subprocess.run(["dpkg-query", "-W"], capture_output=True, text=True, check=True).stdout
    return set(out.splitlines())


def install_kaspersky_debs(root: DpkgRoot, built: BuiltPackages) -> None:
    root.install(*(built.deb(spec) for spec in KASPERSKY_SPECS))


# ------------------------------------------------------------------------------------------------ dpkg


def test_dpkg_query_in_root_lists_installed_packages(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> None:
    install_kaspersky_debs(dpkg_root, built_packages)

    # The real query tool, as a collector would call it, not the bed's own helper.
    out = subprocess.run(
        [*dpkg_root.query_args, "-W", "-f=${Package} ${Version} ${Status}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert set(out.splitlines()) == {
        "kesl 12.1.0-1226 install ok installed",
        "kesl-gui 12.1.0-1226 install ok installed",
        "klnagent64 15.1.0-20748 install ok installed",
    }
    assert dpkg_root.installed() == {spec.name: spec.full_version for spec in KASPERSKY_SPECS}
    for path in (KESL_CONTROL, KESL_INI, KESL_SERVICE, KESL_CONF, KLNAGCHK):
        assert in_root(dpkg_root, path).is_file(), path


def test_dpkg_bed_leaves_host_database_alone(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> None:
    debs = [built_packages.deb(spec) for spec in KASPERSKY_SPECS]  # build first: only bed work is timed
    before = host_dpkg_packages()
    host_had_opt_kaspersky = Path("/opt/kaspersky").exists()

    dpkg_root.install(*debs)
    dpkg_root.remove("kesl-gui")
    dpkg_root.purge("kesl")

    after = host_dpkg_packages()
    # Compared as sets (stronger than the count): a difference means the bed wrote to the host database.
    assert after == before, f"host dpkg database changed: +{sorted(after - before)} -{sorted(before - after)}"
    assert len(after) == len(before)
    assert not {line.split("\t")[0] for line in after} & KASPERSKY_NAMES
    assert Path("/opt/kaspersky").exists() == host_had_opt_kaspersky


def test_dpkg_remove_respects_dependencies(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> None:
    install_kaspersky_debs(dpkg_root, built_packages)

    with pytest.raises(PackageBedError) as failure:
        dpkg_root.remove("kesl")
    assert failure.value.returncode != 0
    assert "dependency problems prevent removal of kesl" in failure.value.stderr
    assert "kesl-gui depends on kesl" in failure.value.stderr
    # Still installed, but dpkg has recorded the wish to remove it: collectors must not read
    # "install ok installed" as the only installed state.
    assert dpkg_root.states()["kesl"] == (KESL.full_version, "deinstall ok installed")
    assert dpkg_root.installed()["kesl"] == KESL.full_version
    assert in_root(dpkg_root, KESL_CONTROL).is_file()

    dpkg_root.remove("kesl-gui")
    dpkg_root.remove("kesl")
    assert set(dpkg_root.installed()) == {"klnagent64"}


def test_dpkg_remove_deletes_files_and_purge_deletes_leftovers(
    dpkg_root: DpkgRoot, built_packages: BuiltPackages
) -> None:
    dpkg_root.install(built_packages.deb(KESL))
    # The postinst ran (chrootless) and wrote inside the root, not on the host.
    install_log = in_root(dpkg_root, "/var/log/kaspersky/kesl/install.log")
    assert install_log.read_text() == "kesl configured\n"

    dpkg_root.remove("kesl")
    for path in set(KESL.files) - set(KESL.conffiles):
        assert not in_root(dpkg_root, path).exists(), path
    assert not in_root(dpkg_root, "/opt/kaspersky").exists()
    # What `dpkg -r` leaves, as on a real system: conffiles, runtime data, and a config-files entry.
    assert in_root(dpkg_root, KESL_CONF).is_file()
    assert install_log.is_file()
    assert dpkg_root.states()["kesl"] == (KESL.full_version, "deinstall ok config-files")
    assert "kesl" not in dpkg_root.installed()

    dpkg_root.purge("kesl")
    assert not in_root(dpkg_root, KESL_CONF).exists()
    assert not in_root(dpkg_root, "/var/log/kaspersky").exists()
    assert "kesl" not in dpkg_root.states()


def test_kesl_control_prints_databases_date(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> None:
    dpkg_root.install(built_packages.deb(KESL))
    control = in_root(dpkg_root, KESL_CONTROL)

    english = run_tool(control, "--app-info", lang="en_US.UTF-8")
    assert f"Last release date of databases: {KESL_BASES_DATE}" in english.splitlines()
    assert f"Version: {KESL_APP_VERSION}" in english.splitlines()
    # Russian locales print Russian labels: the reason collectors must force an English locale.
    russian = run_tool(control, "--app-info", lang="ru_RU.UTF-8")
    assert "Last release date of databases" not in russian
    assert f"Дата последнего выпуска баз приложения: {KESL_BASES_DATE}" in russian.splitlines()

    bad = subprocess.run([str(control), "--no-such-option"], capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "unknown command" in bad.stderr


def test_kesl_variant_with_other_databases_date(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> None:
    fresh = kesl_spec(bases_date="2025-01-15 08:30:00")
    dpkg_root.install(built_packages.deb(fresh))
    out = run_tool(in_root(dpkg_root, KESL_CONTROL), "--app-info", lang="en_US.UTF-8")
    assert "Last release date of databases: 2025-01-15 08:30:00" in out.splitlines()


def test_lookalikes_and_replacement_coexist_with_kesl(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> None:
    specs = (KESL, KLEOPATRA, KLIBC_UTILS, OFFRAMP_TEST_AV)
    dpkg_root.install(*(built_packages.deb(spec) for spec in specs))
    assert dpkg_root.installed() == {spec.name: spec.full_version for spec in specs}
    assert run_tool(in_root(dpkg_root, OFFRAMP_TEST_AV_BIN), "--version") == "offramp-test-av 1.0\n"


def test_kesl_astra_conflicts_with_kesl(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> None:
    dpkg_root.install(built_packages.deb(KESL))
    with pytest.raises(PackageBedError) as failure:
        dpkg_root.install(built_packages.deb(KESL_ASTRA))
    assert "conflicting packages" in failure.value.stderr
    assert set(dpkg_root.installed()) == {"kesl"}


# ------------------------------------------------------------------------------------------------- rpm


def test_rpm_install_query_erase(rpm_root: RpmRoot, built_packages: BuiltPackages) -> None:
    rpms = [built_packages.rpm(spec) for spec in KASPERSKY_SPECS]
    home_rpmdb = Path.home() / ".rpmdb"
    home_rpmdb_existed = home_rpmdb.exists()

    rpm_root.install(*rpms)
    out = subprocess.run(
        [*rpm_root.rpm_args, "-qa", "--qf", "%{NAME} %{VERSION}-%{RELEASE} %{VENDOR}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert set(out.splitlines()) == {
        "kesl 12.1.0-1226 AO Kaspersky Lab",
        "kesl-gui 12.1.0-1226 AO Kaspersky Lab",
        "klnagent64 15.1.0-20748 AO Kaspersky Lab",
    }
    assert rpm_root.installed() == {spec.name: spec.full_version for spec in KASPERSKY_SPECS}
    assert in_root(rpm_root, KESL_CONTROL).is_file()
    assert os.access(in_root(rpm_root, KESL_CONTROL), os.X_OK)

    with pytest.raises(PackageBedError) as failure:
        rpm_root.remove("kesl")
    assert "Failed dependencies" in failure.value.stderr
    assert "kesl is needed by (installed) kesl-gui" in failure.value.stderr
    assert "Alien" not in str(failure.value)  # Debian's harmless rpm warning is kept out of the message

    rpm_root.remove("kesl-gui")
    rpm_root.remove("kesl")
    assert set(rpm_root.installed()) == {"klnagent64"}
    for path in KESL.files:
        assert not in_root(rpm_root, path).exists(), path
    # The package owned its product folders, so rpm removed them; shared system folders stay.
    assert not in_root(rpm_root, "/opt/kaspersky/kesl").exists()
    assert in_root(rpm_root, "/opt/kaspersky/klnagent64").is_dir()
    assert home_rpmdb.exists() == home_rpmdb_existed, "rpm wrote a database under $HOME"


def test_rpm_metadata_matches_spec(rpm_root: RpmRoot, built_packages: BuiltPackages) -> None:
    # -qp through the root's database: a bare `rpm -qp` on Debian creates ~/.rpmdb on the host.
    def query(spec: PackageSpec, *opts: str) -> list[str]:
        cmd = [*rpm_root.rpm_args, "-qp", *opts, str(built_packages.rpm(spec))]
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()

    assert "kesl" in query(KESL_GUI, "--requires")
    assert query(KESL_ASTRA, "--conflicts") == ["kesl"]
    assert query(KESL, "--configfiles") == [KESL_CONF]
    assert set(query(KLNAGENT64, "--list")) >= {KLNAGCHK, "/opt/kaspersky/klnagent64"}
    # Standard system folders are not claimed by the package.
    assert not {"/opt", "/etc", "/lib/systemd/system"} & set(query(KESL, "--list"))


# ----------------------------------------------------------------------------------------- the builders


def test_built_packages_are_cached_per_session(built_packages: BuiltPackages) -> None:
    assert built_packages.deb(KESL) == built_packages.deb("kesl")
    assert built_packages.deb(KESL).name == "kesl_12.1.0-1226_all.deb"
    assert built_packages.deb(kesl_spec(bases_date="2020-01-01 00:00:00")) != built_packages.deb(KESL)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "Bad_Name"}, "invalid package name"),
        ({"version": "1.0-2"}, "must not contain"),
        ({"files": {"relative/path": None}}, "absolute"),
        ({"depends": ("a | b",)}, "unsupported dependency"),
        ({"scripts": {"postinstall": "true"}}, "unknown maintainer scripts"),
    ],
)
def test_spec_rejects_what_the_tools_would(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"name": "x-pkg", "version": "1.0", "description": "x"}
    with pytest.raises(ValueError, match=message):
        PackageSpec(**{**base, **kwargs})  # type: ignore[arg-type]


def run_tool(path: Path, *args: str, lang: str = "C.UTF-8") -> str:
    # A clean locale environment: the stand-in scripts choose their language from it, like the real tools.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": lang}
    return subprocess.run([str(path), *args], capture_output=True, text=True, check=True, env=env).stdout
