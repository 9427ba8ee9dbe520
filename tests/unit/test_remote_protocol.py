"""What the window and its elevated worker accept from each other (app/core/migrate/remote.py), and what
the system's prompt covers (the polkit action), checked without migrating anything."""

from __future__ import annotations

import xml.etree.ElementTree as ET

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
