"""What the window and its elevated worker accept from each other (app/core/migrate/remote.py), and what
the system's prompt covers (the polkit action), checked without migrating anything."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from offramp.core import exitcodes, paths
from offramp.core.migrate import remote
from offramp.core.platform import elevation
from tests.conftest import REPO

POLICY = REPO / "packaging/debian/org.offramp.Offramp.policy"


def test_the_polkit_action_covers_only_the_worker_not_every_command_of_the_program() -> None:
    # pkexec picks the action by the program's path, and by its first argument only when the action names one:
    # without it, 'pkexec offramp migrate --policy mine.yaml --to mine.yaml' would show Offramp's own words.
    action = ET.parse(POLICY).getroot().find("action")
    assert action is not None
    notes = {note.get("key"): note.text for note in action.findall("annotate")}
    assert notes["org.freedesktop.policykit.exec.path"] == "/usr/lib/offramp/offramp"
    assert notes.get("org.freedesktop.policykit.exec.argv1") == elevation.worker_command()[-1] == "migrate-worker"


def _refusal(options: dict[str, Any]) -> str:
    """What a root worker for another user's window says to these options (the empty string if it takes them)."""
    try:
        remote._options_from_json(options, elevated=True)
    except remote.RemoteError as exc:
        assert exc.exit_code == exitcodes.USAGE
        return str(exc)
    return ""


def test_a_root_worker_takes_only_what_the_person_chooses_in_the_window() -> None:
    shipped = paths.playbooks_dir() / "replacements" / "clamav.yaml"
    assert _refusal({"replacement_ref": str(shipped), "confirmed": ["kesl"], "remove_only": False}) == ""
    assert _refusal({"replacement_ref": "clamav"}) == ""
    # Every other option stays at its default, whatever Offramp adds later: a step timeout of a few
    # milliseconds would have root kill a package manager in the middle of its work.
    assert "step_timeout" in _refusal({"step_timeout": 0.001})
    assert "dry_run" in _refusal({"dry_run": True})


@pytest.mark.parametrize(
    "options",
    [{"remove_only": "false"}, {"confirmed": "kesl"}, {"confirmed": [["kesl"]]}, {"replacement_ref": {"id": "x"}}],
)
def test_options_of_the_wrong_type_are_refused_not_taken_for_true(options: dict[str, Any]) -> None:
    # "false" is a true value in Python; a list of letters is not a list of findings.
    assert "wrong type" in _refusal(options)
    with pytest.raises(remote.RemoteError, match="wrong type"):
        remote._options_from_json(options, elevated=False)


def test_a_root_worker_refuses_a_test_only_playbook_by_id_or_by_path() -> None:
    for ref in ("offramp-test-av", str(paths.playbooks_dir() / "replacements" / "offramp-test-av.yaml")):
        assert "test-only" in _refusal({"replacement_ref": ref}), ref


def test_a_playbook_path_is_judged_where_it_leads(tmp_path: Path, private_home: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text((paths.playbooks_dir() / "replacements" / "clamav.yaml").read_text())
    climbing = paths.playbooks_dir() / "replacements" / ".." / ".." / ".." / str(mine).lstrip("/")
    assert "outside Offramp's own playbooks" in _refusal({"replacement_ref": str(climbing)})
    # A link inside a trusted folder (the signed updates' one) to a file of the user's.
    updates = paths.playbook_updates_dir() / "replacements"
    updates.mkdir(parents=True)
    (updates / "clamav.yaml").symlink_to(mine)
    assert "outside Offramp's own playbooks" in _refusal({"replacement_ref": str(updates / "clamav.yaml")})
