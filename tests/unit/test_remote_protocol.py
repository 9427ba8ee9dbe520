"""What the window and its elevated worker accept from each other (app/core/migrate/remote.py), and what
the system's prompt covers (the polkit action), checked without migrating anything."""

from __future__ import annotations

import json
import os
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from offramp.core import exitcodes, paths
from offramp.core.migrate import remote
from offramp.core.migrate.context import Options
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


@pytest.mark.parametrize("leftovers", ["remove", "keep"])
def test_a_root_worker_takes_the_options_the_wizard_sends_as_the_person_set_them(leftovers: str) -> None:
    # The wizard's "Ready to remove" page asks about the leftovers and sends the answer with the rest.
    wizard = Options(replacement_ref="clamav", confirmed=("kesl",), leftovers=leftovers)
    assert _refusal(remote._options_json(wizard)) == ""
    assert remote._options_from_json(remote._options_json(wizard), elevated=True).leftovers == leftovers


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


def test_a_playbook_path_is_read_where_it_led_when_judged_not_where_a_link_leads_later(tmp_path: Path) -> None:
    from offramp.core.data.replacements import find_replacement

    shipped = paths.playbooks_dir() / "replacements" / "clamav.yaml"
    # The window's user owns a link on the path it sends; root judges the path, then scans for seconds before
    # it reads the playbook, and the user swaps the link in between for a folder with a playbook of their own.
    hop = tmp_path / "hop"
    hop.symlink_to(paths.playbooks_dir())
    taken = remote._options_from_json({"replacement_ref": str(hop / "replacements" / "clamav.yaml")}, elevated=True)
    hop.unlink()
    (hop / "replacements").mkdir(parents=True)
    (hop / "replacements" / "clamav.yaml").write_text(shipped.read_text().replace("https://", "https://evil.", 1))
    assert taken.replacement_ref is not None
    assert find_replacement(taken.replacement_ref).path.resolve() == shipped.resolve()


# --- an offline bundle from another user's window: a carrier of installers for Offramp's own playbooks -------
@pytest.fixture
def carried(tmp_path: Path, private_home: Path) -> tuple[Path, Path]:
    """A playbook Offramp took from a signed update (not a test fixture) and a bundle on a stick that carries it.

    Returns the bundle folder and the bundle's copy of the playbook."""
    text = (paths.playbooks_dir() / "replacements" / "offramp-test-av.yaml").read_text()
    own = text.replace("id: offramp-test-av\n", "id: carried-av\n").replace("test_only: true\n", "")
    updates = paths.playbook_updates_dir() / "replacements"
    updates.mkdir(parents=True)
    (updates / "carried-av.yaml").write_text(own)
    stick = tmp_path / "stick" / "offramp-bundle"
    (stick / "playbooks").mkdir(parents=True)
    copy = stick / "playbooks" / "carried-av.yaml"
    copy.write_text(own)
    return stick, copy


def test_a_root_worker_takes_a_bundle_only_as_the_carrier_of_an_installer_for_its_own_playbook(
    carried: tuple[Path, Path],
) -> None:
    stick, copy = carried
    options = {"offline_dir": str(stick), "replacement_ref": str(copy)}
    taken = remote._options_from_json(options, elevated=True)
    # Root reads the playbook from its own folders, by id; the bundle stays the source of the installer only,
    # which the stage step copies into root's private folder and verifies against that playbook.
    assert taken.replacement_ref == "carried-av" and taken.offline_dir == str(stick)
    assert _refusal({**options, "step_timeout": 1.0}) != ""  # the bundle widens nothing else


def test_a_bundles_playbook_that_is_not_offramps_own_is_refused_however_small_the_change(
    carried: tuple[Path, Path],
) -> None:
    stick, copy = carried
    copy.write_text(copy.read_text().replace("https://", "https://evil.", 1))
    said = _refusal({"offline_dir": str(stick), "replacement_ref": str(copy)})
    assert "not one this Offramp ships or took from a signed update" in said
    assert "sudo offramp migrate --offline" in said


def test_a_bundle_copy_of_a_test_playbook_or_a_playbook_outside_the_bundle_is_refused(
    carried: tuple[Path, Path], tmp_path: Path
) -> None:
    stick, copy = carried
    fixture = stick / "playbooks" / "offramp-test-av.yaml"
    fixture.write_bytes((paths.playbooks_dir() / "replacements" / "offramp-test-av.yaml").read_bytes())
    assert "test-only" in _refusal({"offline_dir": str(stick), "replacement_ref": str(fixture)})
    elsewhere = tmp_path / "carried-av.yaml"
    elsewhere.write_bytes(copy.read_bytes())
    said = _refusal({"offline_dir": str(stick), "replacement_ref": str(elsewhere)})
    assert "not one of the bundle's playbooks" in said
    # A link inside the bundle that leads out of it is judged where it leads.
    link = stick / "playbooks" / "link.yaml"
    link.symlink_to(elsewhere)
    assert "not one of the bundle's playbooks" in _refusal({"offline_dir": str(stick), "replacement_ref": str(link)})


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_swapped_in_for_the_bundles_playbook_is_refused_without_waiting_on_it(
    carried: tuple[Path, Path],
) -> None:
    stick, copy = carried
    copy.unlink()
    os.mkfifo(copy)  # nobody ever writes to it: a root that opened it for reading would wait for ever
    said = _refusal({"offline_dir": str(stick), "replacement_ref": str(copy)})
    assert "not a plain file" in said


@pytest.mark.parametrize(
    "code", ["K7M\x1b[2J-4QX", "K7M-4QX\n2026-12-03 migration finished", "K" * 1_000_000, "k7m-4qx", 7]
)
def test_a_support_code_is_taken_only_in_the_shape_offramp_gives_it(code: object) -> None:
    # Root writes the code into its state, journal and report, which a helpdesk and an admin read later.
    request = {"t": "start", "mode": "start", "fingerprint": "agreed", "support_code": code}
    with pytest.raises(remote.RemoteError, match="support code") as caught:
        remote._checked_request(request)
    assert caught.value.exit_code == exitcodes.USAGE
    assert remote._checked_request({**request, "support_code": "K7M-4QX"})["support_code"] == "K7M-4QX"
    assert remote._checked_request({**request, "support_code": None})["support_code"] is None


# --- the worker's inbox: what the window sends while the migration runs --------------------------------------
@pytest.fixture
def window_and_inbox() -> Iterator[tuple[socket.socket, remote._Inbox]]:
    """The window's end of a socket pair, and the worker's inbox on the other end, past the start request."""
    window, worker = socket.socketpair()
    inbox = remote._Inbox(remote._Channel(worker))
    _send(window, {"t": "start", "mode": "start", "options": {}, "fingerprint": "agreed"})
    assert inbox.first()["mode"] == "start"
    yield window, inbox
    inbox.close()
    window.close()
    worker.close()


def _send(window: socket.socket, message: Any) -> None:
    window.sendall(message if isinstance(message, bytes) else json.dumps(message).encode() + b"\n")


def _read_line(window: socket.socket) -> dict[str, Any]:
    line = b""
    while not line.endswith(b"\n"):
        line += window.recv(1)
    message: dict[str, Any] = json.loads(line)
    return message


def _ask_in_background(inbox: remote._Inbox) -> tuple[threading.Thread, list[Any]]:
    """The runner asking a question (it blocks until answered); daemon, so a worker that hangs cannot hang pytest."""
    answers: list[Any] = []
    asker = threading.Thread(target=lambda: answers.append(inbox.ask({"t": "ask", "question": {}})), daemon=True)
    asker.start()
    return asker, answers


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(lambda number: {"t": "answer", "id": [number], "value": True}, id="an id that is a list"),
        pytest.param(lambda _number: b"[" * 100_000 + b"]" * 100_000 + b"\n", id="JSON nested past any stack"),
        pytest.param(lambda _number: b"\xff not JSON\n", id="not JSON"),
        pytest.param(lambda _number: {"t": "start", "mode": "start", "options": {}}, id="a second start"),
    ],
)
def test_a_window_that_sends_what_it_should_not_stops_the_run_and_leaves_no_question_waiting(
    window_and_inbox: tuple[socket.socket, remote._Inbox], broken: Any
) -> None:
    window, inbox = window_and_inbox
    asker, answers = _ask_in_background(inbox)
    number = _read_line(window)["id"]
    _send(window, broken(number))
    _send(window, {"t": "answer", "id": number, "value": True})  # not heard: the window is not trusted any more
    window.close()
    inbox.thread.join()
    assert inbox.cancelled()  # the runner stops at its next safe point
    asker.join()
    assert answers == [None]  # the question waiting gets no answer: "no"
    assert inbox.ask({"t": "ask", "question": {}}) is None  # and so does every later one, at once


def test_an_unexpected_message_is_not_queued_and_the_answer_after_it_is_not_taken(
    window_and_inbox: tuple[socket.socket, remote._Inbox],
) -> None:
    # A window that floods the worker with messages it has no use for must not fill root's memory with them.
    window, inbox = window_and_inbox
    asker, answers = _ask_in_background(inbox)
    number = _read_line(window)["id"]
    _send(window, {"t": "progress", "message": "from the window?"})
    _send(window, {"t": "answer", "id": number, "value": True})
    asker.join()
    assert answers == [None] and inbox.cancelled()


def test_a_question_asked_after_the_window_went_away_is_answered_no_at_once(
    window_and_inbox: tuple[socket.socket, remote._Inbox],
) -> None:
    window, inbox = window_and_inbox
    window.close()
    inbox.thread.join()
    assert inbox.cancelled()
    assert inbox.ask({"t": "ask", "question": {}}) is None


def test_a_cancel_flood_is_one_cancel_and_answers_still_count(
    window_and_inbox: tuple[socket.socket, remote._Inbox],
) -> None:
    window, inbox = window_and_inbox
    asker, answers = _ask_in_background(inbox)
    number = _read_line(window)["id"]
    _send(window, b'{"t": "cancel"}\n' * 10_000)
    _send(window, {"t": "answer", "id": number, "value": True})
    asker.join()
    assert answers == [True] and inbox.cancelled()


def test_a_window_that_never_sends_its_request_is_told_so() -> None:
    window, worker = socket.socketpair()
    inbox = remote._Inbox(remote._Channel(worker))
    try:
        with pytest.raises(remote.RemoteError, match="no start request"):
            inbox.first(timeout=0)
    finally:
        inbox.close()
        window.close()
        worker.close()


def test_a_window_that_stops_reading_stops_the_run_instead_of_holding_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(remote, "SEND_TIMEOUT", 0.05)
    window, worker = socket.socketpair()
    inbox = remote._Inbox(remote._Channel(worker))
    try:
        # Far more than a socket holds: the send waits on a window that never reads.
        assert inbox.tell({"t": "progress", "message": "x" * 8_000_000, "fraction": 0.5, "state": None}) is False
        assert inbox.cancelled()
        assert inbox.ask({"t": "ask", "question": {}}) is None
    finally:
        inbox.close()
        window.close()
        worker.close()


def test_a_root_worker_sends_another_users_window_no_file_an_administrators_report_path_names(tmp_path: Path) -> None:
    # A migration an administrator started with --report in a folder the user can change, resumed from the
    # window: root would read whatever the user links there (a JSON file only root may read) and send it.
    secret = tmp_path / "root-only.json"
    secret.write_text('{"token": "s3cret"}')
    link = tmp_path / "report.json"
    link.symlink_to(secret)
    options = Options(report_file=str(link))
    assert remote._written_report(options, elevated=True) is None
    assert remote._written_report(options, elevated=False) == {"token": "s3cret"}  # a window of root's own


def test_a_line_longer_than_any_message_is_not_buffered_without_end(
    window_and_inbox: tuple[socket.socket, remote._Inbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "MAX_LINE", 100_000)
    window, inbox = window_and_inbox
    _send(window, b"x" * 150_000)  # and never a newline
    inbox.thread.join()
    assert inbox.cancelled() and inbox.ask({"t": "ask", "question": {}}) is None
