"""A migration run by an elevated worker process, driven from the unprivileged window.

Why a second process: the window must not run as root (Qt, the user's fonts, theme and session would),
yet removing a security product needs administrator rights. So when the window has none, it starts
`offramp migrate-worker` through the system's own prompt (app/core/platform/elevation.py) and the worker
runs exactly what `offramp migrate` runs: session.start or session.resume, then the runner. The two
speak JSON lines over a Unix socket that the window creates in a folder only its user can enter; any
process of that user can enter it too, so each side asks the kernel who is at the other end (the window
talks only to a peer running as the user the prompt gives, root):

    window -> worker   {"t": "start", "mode": "start"|"start-over"|"resume", "options": {...}, "fingerprint": ...,
                        "support_code": ...}                        the one request, first
                       {"t": "answer", "id": N, "value": ...}       an answer: true is yes (anything
                                                                    else no), a password is text or null
                       {"t": "cancel"}                              stop at the next safe point
    worker -> window   {"t": "progress", "message": ..., "fraction": ..., "state": {...}|null}
                       {"t": "ask", "id": N, "question": {...}}     a Question, answered by the person
                       {"t": "secret", "id": N, "label": ..., "secret": bool}
                       {"t": "result", "exit_code": N, "message": ..., "state": {...}}
                       {"t": "error", "exit_code": N, "message": ..., "unfinished": bool}
                                                        it could not start (one sentence); whether
                                                        a stopped migration is on record

"start-over" is a start for a person who chose to start over after a stopped run: the worker makes the
plan first and, only when it is the one agreed to, sets its own unfinished record aside (journaled, kept)
before starting; the window cannot read root's record, so it keeps a copy of what it heard (mirror.py).

A window that goes away, stops reading or sends what it should not is a cancel: the worker stops at the
run's next safe point, answers no to what it would ask, and leaves a migration `resume` carries on.

The worker scans again with its own rights (an unprivileged scan may see less) and runs only the plan
the person agreed to: a start without a fingerprint, or a plan with another one, is refused, not run.
When it runs with rights its window lacks (root, for a window whose process the kernel reports as
another user's), it takes only the options a person can choose in the window (the replacement, remove
only, the findings they confirmed, whether the leftovers go) and every other one at its default: no
test-only trust, no file of the user's, no step timeout. So a process that reaches the prompt cannot
widen what root will trust.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import select
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, BinaryIO

from offramp.core import exitcodes
from offramp.core.migrate import statefile
from offramp.core.migrate.context import Ask, Options, Question
from offramp.core.migrate.runner import RunResult
from offramp.core.platform.elevation import Elevation

# The window reads all the time (it waits only for the person, while the worker waits for the answer), so a
# send the window leaves unread this long means it is stuck or hostile: the worker stops as if cancelled.
SEND_TIMEOUT = 120.0
MAX_LINE = 16 * 1024 * 1024  # a state with a long journal of steps is far below this; a bigger line is an attack
# What the person chooses in the window (`silent` is always False there); a root worker for another user's
# window takes every other option at its default only (see the module docstring and _refuse_widening).
# The shape of a support code (records.new_support_code): what root records in its files as the case's name.
SUPPORT_CODE = re.compile(r"[A-Z0-9]{3}-[A-Z0-9]{3}")
PERSON_CHOOSES = frozenset({"replacement_ref", "remove_only", "confirmed", "leftovers", "silent"})


class RemoteError(Exception):
    """The worker could not run the migration; the message says why in one sentence."""

    def __init__(self, message: str, exit_code: int = exitcodes.INTERNAL, *, unfinished: bool = False) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.unfinished = unfinished  # the worker holds a stopped migration: a start-over can set it aside


class NotStarted(RemoteError):
    """The worker never ran, so nothing was changed: a stop with its reason and the ways on, not a crash."""


class RightsRefused(NotStarted):
    """The person dismissed the system's prompt, or is not allowed to give administrator rights."""

    def __init__(self) -> None:
        super().__init__(
            "Offramp was not given administrator rights, so nothing was changed. To try again, press the "
            "button again and enter an administrator's password; if you are not an administrator, ask one",
            exitcodes.NOT_ELEVATED,
        )


class CancelledBeforeStart(NotStarted):
    """The person pressed Cancel while the system's prompt was still open."""

    def __init__(self) -> None:
        super().__init__(
            "You cancelled before Offramp got administrator rights, so nothing was changed", exitcodes.CANCELLED
        )


# ------------------------------------------------------------------------------------------ the window's side


def run(
    mode: str,
    options: Options,
    *,
    elevation: Elevation,
    worker: list[str],
    fingerprint: str | None = None,
    support_code: str | None = None,
    progress: Callable[[str, float], None] | None = None,
    on_state: Callable[[statefile.MigrationState], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    ask: Ask | None = None,
    prompt_secret: Callable[[str, bool], str | None] | None = None,
    log: BinaryIO | None = None,
    keep_report: Path | None = None,
    connect_timeout: float = 900.0,
) -> RunResult:
    """Starts the worker through `elevation`, drives it to the end and returns its result, as Runner.run does.

    `keep_report`: where the window keeps a copy of the run's JSON report (the worker's folders are root's)."""
    with tempfile.TemporaryDirectory(prefix="offramp-worker-") as folder:
        os.chmod(folder, 0o700)  # only this user reaches the socket; the worker (root) reaches everything
        address = str(Path(folder) / "socket")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(address)
            listener.listen(1)
            child = subprocess.Popen(
                elevation.wrap([*worker, "--connect", address]),
                stdin=subprocess.DEVNULL,
                stdout=log or subprocess.DEVNULL,
                stderr=log or subprocess.DEVNULL,
            )
            try:
                conn = _accept(listener, child, elevation, connect_timeout, cancelled)
            except BaseException:
                listener.close()  # first: a worker that comes now cannot connect, and ends
                _stop_prompt(child)
                raise
        finally:
            listener.close()
        try:
            with conn:
                channel = _Channel(conn)
                request = {
                    "t": "start",
                    "mode": mode,
                    "options": _options_json(options),
                    "fingerprint": fingerprint,
                    "support_code": support_code,
                }
                channel.send(request)
                return _drive(channel, progress, on_state, cancelled, ask, prompt_secret, keep_report)
        finally:
            # The worker ends when the run does. If the window fails first, closing the connection (above) is
            # its cancel: it stops at the next safe point and ends, and this waits for that. It is never
            # killed: it is root's (the window could not), and a kill could land in the middle of a step.
            child.wait()


def _stop_prompt(child: subprocess.Popen[bytes]) -> None:
    """Ends the prompt (pkexec is the person's own process while it asks) and reaps it."""
    if child.poll() is None:
        try:
            child.kill()
        except PermissionError:
            pass  # too late: it is the worker now, root's; with no one listening it cannot connect, and ends
    child.wait()


def _accept(
    listener: socket.socket,
    child: subprocess.Popen[bytes],
    elevation: Elevation,
    timeout: float,
    cancelled: Callable[[], bool] | None,
) -> socket.socket:
    """The worker's connection; RightsRefused when the prompt was dismissed, CancelledBeforeStart when the
    person cancelled while it was open, RemoteError when the worker died first or did not come in time.

    Any process of this user can enter the folder and connect first; only a peer running as the user the
    prompt gives the worker (root) is the worker, and another is closed unheard while the wait goes on."""
    deadline = time.monotonic() + timeout
    while True:
        ready, _, _ = select.select([listener], [], [], 0.2)
        if ready:
            conn, _ = listener.accept()
            uid = peer_uid(conn)
            if uid == elevation.worker_uid():
                return conn
            conn.close()
            from offramp.core import eventlog

            message = f"a process of user id {uid} connected instead of the worker"
            eventlog.event("migrate.worker.impostor", message, level=logging.WARNING)
            continue
        code = child.poll()
        if code is not None and not (elevation.background_shell and code == 0):
            if elevation.refused(code):
                raise RightsRefused()
            raise RemoteError(f"Offramp's worker stopped before it started (exit {code}); see the log")
        if cancelled is not None and cancelled():
            raise CancelledBeforeStart()
        if time.monotonic() > deadline:
            raise RemoteError("Offramp's worker did not start in time; nothing was changed")


def _drive(
    channel: _Channel,
    progress: Callable[[str, float], None] | None,
    on_state: Callable[[statefile.MigrationState], None] | None,
    cancelled: Callable[[], bool] | None,
    ask: Ask | None,
    prompt_secret: Callable[[str, bool], str | None] | None,
    keep_report: Path | None,
) -> RunResult:
    asked_cancel = False
    while True:
        if cancelled and cancelled() and not asked_cancel:
            channel.send({"t": "cancel"})
            asked_cancel = True
        message = channel.receive(timeout=0.2)
        if message is None:
            continue
        kind = message.get("t")
        if kind == "progress":
            if message.get("state") is not None and on_state:
                on_state(statefile.from_json(message["state"], "the worker's state"))
            if progress:
                progress(str(message.get("message", "")), float(message.get("fraction", 0.0)))
        elif kind == "ask":
            question = Question(**message["question"])
            channel.send({"t": "answer", "id": message["id"], "value": ask(question) if ask else None})
        elif kind == "secret":
            value = prompt_secret(str(message["label"]), bool(message["secret"])) if prompt_secret else None
            channel.send({"t": "answer", "id": message["id"], "value": value})
        elif kind == "result":
            state = statefile.from_json(message["state"], "the worker's state")
            if keep_report is not None and isinstance(message.get("report"), dict):
                _keep(keep_report, message["report"])
            return RunResult(int(message["exit_code"]), str(message["message"]), state)
        elif kind == "error":
            code = int(message.get("exit_code", exitcodes.INTERNAL))
            raise RemoteError(str(message["message"]), code, unfinished=message.get("unfinished") is True)
        else:
            raise RemoteError(f"Offramp's worker sent something it should not ({kind!r})")


def _keep(target: Path, report: dict[str, Any]) -> None:
    from offramp.core import atomicfile, paths

    paths.private_dir(target.parent)
    atomicfile.write_text(target, json.dumps(report, ensure_ascii=False, indent=2), mode=0o600)


def _options_json(options: Options) -> dict[str, Any]:
    data = asdict(options)
    data["trust_crls"] = list(options.trust_crls)
    data["confirmed"] = list(options.confirmed)
    return data


def _options_from_json(data: Any, elevated: bool) -> Options:
    if not isinstance(data, dict):
        raise RemoteError("the window sent no options", exitcodes.USAGE)
    defaults = {f.name: f.default for f in fields(Options)}
    unknown = set(data) - set(defaults)
    if unknown:
        raise RemoteError(f"the window sent options this Offramp does not know: {sorted(unknown)}", exitcodes.USAGE)
    values: dict[str, Any] = {key: tuple(value) if isinstance(value, list) else value for key, value in data.items()}
    wrong = sorted(key for key, value in values.items() if not _well_typed(value, defaults[key]))
    if wrong:
        raise RemoteError(f"the window sent options of the wrong type: {wrong}", exitcodes.USAGE)
    if elevated:
        _refuse_widening(values, defaults)
    values["silent"] = False  # the person at the window answers the questions
    return Options(**values)


def _well_typed(value: Any, default: Any) -> bool:
    """Whether an option's value has its default's type (a text or nothing, for those that default to nothing)."""
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, tuple):
        return isinstance(value, tuple) and all(isinstance(item, str) for item in value)
    return value is None or isinstance(value, str)


def _refuse_widening(values: dict[str, Any], defaults: dict[str, Any]) -> None:
    """What an unprivileged window may not ask of a root worker: anything but what the person chooses there.

    The window runs the migration of this machine with a shipped (or signed-update) playbook; a policy,
    a mounted root, a report path, a bundle's own playbook or a playbook file from the user's folders would
    let any process of that user choose what root installs, deletes or writes, and test-only trust or a
    step timeout of its choosing would widen what root trusts or have it kill a package manager midway.
    So every option but PERSON_CHOOSES stays at its default, and the playbook is a shipped or signed one
    that is not a test fixture (an offline bundle may supply its installer: see _own_playbook_for_bundle).
    Those runs are for an administrator's terminal (`sudo offramp migrate …`),
    which says so."""
    from offramp.core import paths
    from offramp.core.data.replacements import find_replacement

    chosen = PERSON_CHOOSES
    if isinstance(values.get("offline_dir"), str):
        # The person chose to work from the bundle; it may carry only installers for Offramp's own playbooks.
        chosen = chosen | {"offline_dir"}
        if problem := _own_playbook_for_bundle(values):
            raise RemoteError(
                f"Offramp's administrator part does not take this offline bundle from the window: {problem}; "
                "an administrator can run 'sudo offramp migrate --offline' with it instead",
                exitcodes.USAGE,
            )
    widened = sorted(key for key, value in values.items() if key not in chosen and value != defaults[key])
    ref = values.get("replacement_ref")
    trusted_file = True
    if isinstance(ref, str) and Path(ref).suffix in (".yaml", ".yml"):
        trusted = (paths.playbooks_dir().resolve(), paths.playbook_updates_dir().resolve())
        resolved = Path(ref).resolve()
        trusted_file = any(resolved.is_relative_to(folder) for folder in trusted)
        if trusted_file:
            # Read where it led when judged: a link of the user's on the path could lead elsewhere by the time
            # the playbook is read, after the scan (and again on a resume); no one but root changes this one.
            ref = values["replacement_ref"] = str(resolved)
        else:
            widened.append("a playbook file from outside Offramp's own playbooks")
    if isinstance(ref, str) and trusted_file:
        try:
            if find_replacement(ref).test_only:
                widened.append("a test-only playbook")
        except KeyError:
            pass  # no such playbook: session.start says so
    if widened:
        raise RemoteError(
            f"Offramp's administrator part does not take {', '.join(widened)} from the window; "
            "an administrator can run 'sudo offramp migrate' with them instead",
            exitcodes.USAGE,
        )


def _own_playbook_for_bundle(values: dict[str, Any]) -> str | None:
    """Takes an offline bundle from another user's window only as a carrier of installer bytes.

    The bundle lies in a folder that user can change (a USB stick is mounted as theirs), and its playbook
    says what root installs, so its playbook is used only when it is, byte for byte, one of Offramp's own
    (shipped, or from a signed update) and not a test fixture: the replacement becomes that playbook's id,
    read from Offramp's own folders. The installer is then copied out of the bundle into root's private
    staging folder and verified there against that playbook's SHA-256 and signer, as a download is.
    Returns None when the bundle may be used, else what is wrong with it in words."""
    import hashlib

    from offramp.core.data.replacements import current_replacements
    from offramp.core.migrate.bundle import MAX_PLAYBOOK, BundleError, open_plain

    folder = Path(str(values["offline_dir"])).resolve()
    ref = values.get("replacement_ref")
    if not isinstance(ref, str) or not Path(ref).resolve().is_relative_to(folder):
        return "the replacement chosen is not one of the bundle's playbooks"
    try:
        with open_plain(Path(ref)) as handle:
            carried = hashlib.sha256(handle.read(MAX_PLAYBOOK + 1)).hexdigest()
    except BundleError as exc:
        return str(exc).rstrip(".")
    for replacement in current_replacements(include_test_only=True):
        try:
            own = hashlib.sha256(Path(replacement.path).read_bytes()).hexdigest()
        except OSError:
            continue
        if own == carried:
            if replacement.test_only:
                return "its playbook is a test-only one"
            values["replacement_ref"] = replacement.id
            return None
    return (
        "its playbook is not one this Offramp ships or took from a signed update (the bundle may have been "
        "made by another version; make it again with this one)"
    )


# ------------------------------------------------------------------------------------------ the worker's side


def peer_uid(conn: socket.socket) -> int | None:
    """The user id of the process at the other end of a Unix socket, as the kernel recorded it; None if unknown.

    For the connecting side, that is whoever called listen(): not the owner of the file at the socket's name,
    which the window's user can swap between a look at it and the connect."""
    if hasattr(socket, "SO_PEERCRED"):  # Linux: struct ucred {pid, uid, gid}
        pid_uid_gid = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return int(struct.unpack("3i", pid_uid_gid)[1])
    if sys.platform == "darwin":  # LOCAL_PEERCRED (sys/un.h, level SOL_LOCAL 0): struct xucred {version, uid, ...}
        level, option = getattr(socket, "SOL_LOCAL", 0), getattr(socket, "LOCAL_PEERCRED", 1)
        xucred = conn.getsockopt(level, option, struct.calcsize("IIh16I"))
        return int(struct.unpack_from("II", xucred)[1])
    return None


def crosses_rights(conn: socket.socket) -> bool:
    """True when this worker has rights its window lacks: it runs as root, and its window does not (or may not)."""
    return os.name != "nt" and os.geteuid() == 0 and peer_uid(conn) != 0


def serve(address: str) -> int:
    """`offramp migrate-worker --connect ADDRESS`: runs one migration for the window at ADDRESS; its exit code."""
    from offramp.core.migrate import session
    from offramp.core.migrate.recorderrors import RecordError

    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(address)
    elevated = crosses_rights(conn)
    channel = _Channel(conn)
    inbox = _Inbox(channel)
    try:
        request = _checked_request(inbox.first())
        options = _options_from_json(request.get("options"), elevated)
        runner_box: dict[str, Any] = {}

        def progress(message: str, fraction: float) -> None:
            runner = runner_box.get("runner")
            state = statefile.to_json(runner.ctx.state) if runner is not None else None
            inbox.tell({"t": "progress", "message": message, "fraction": fraction, "state": state})

        def ask(question: Question) -> bool:
            # Every question the runner asks is yes or no: only an explicit yes counts ("no" is a true value).
            return inbox.ask({"t": "ask", "question": asdict(question)}) is True

        def prompt_secret(label: str, secret: bool) -> str | None:
            value = inbox.ask({"t": "secret", "label": label, "secret": secret})
            return value if isinstance(value, str) else None

        try:
            if request.get("mode") == "resume":
                runner = session.resume(
                    progress=progress, cancelled=inbox.cancelled, ask=ask, prompt_secret=prompt_secret, silent=False
                )
            else:
                if request.get("mode") == "start-over":
                    _set_aside_for(options, request["fingerprint"])
                started, _scan = session.start(
                    options,
                    progress=progress,
                    cancelled=inbox.cancelled,
                    ask=ask,
                    prompt_secret=prompt_secret,
                    support_code=request.get("support_code"),
                )
                if started is None:
                    raise session.SessionError("there is nothing to migrate on this machine")
                if started.ctx.plan.fingerprint != request["fingerprint"]:
                    started.close()
                    raise session.SessionError(
                        "the plan changed since you agreed to it (Offramp scanned again with administrator "
                        "rights and found something else): go back to Ready to remove"
                    )
                runner = started
        except (session.SessionError, RecordError) as exc:
            code = getattr(exc, "exit_code", exitcodes.USAGE)
            inbox.last({"t": "error", "exit_code": code, "message": str(exc), "unfinished": _holds_unfinished()})
            return int(code)
        runner_box["runner"] = runner
        result = runner.run()
        inbox.last(
            {
                "t": "result",
                "exit_code": result.exit_code,
                "message": result.message,
                "state": statefile.to_json(result.state),
                "report": _written_report(runner.ctx.options, elevated),
            }
        )
        return result.exit_code
    except RemoteError as exc:
        inbox.last({"t": "error", "exit_code": exc.exit_code, "message": str(exc)})
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the window gets one sentence; the log keeps the traceback
        from offramp.core import eventlog

        eventlog.get("worker").log(logging.ERROR, "the worker failed", exc_info=True)
        message = f"Offramp's worker failed ({type(exc).__name__}); the log in {eventlog.default_log_file()} says more"
        inbox.last({"t": "error", "exit_code": exitcodes.INTERNAL, "message": message})
        return exitcodes.INTERNAL
    finally:
        inbox.close()
        conn.close()


def _holds_unfinished() -> bool:
    """Whether this system has a stopped migration on record (the window cannot look for itself)."""
    from offramp.core.migrate.records import state_path

    try:
        state = statefile.read(state_path())
    except Exception:  # noqa: BLE001 - a record that does not read is for session.start to set aside
        return False
    return state is not None and not state.finished


def _set_aside_for(options: Options, fingerprint: str) -> None:
    """Sets this system's unfinished migration aside for a person who chose to start over, but only once the
    plan made now is the one they agreed to: a refused start leaves the old run to resume."""
    from offramp.core.migrate import session
    from offramp.core.migrate.recorderrors import RecordDamaged
    from offramp.core.migrate.records import state_path

    try:
        previous = statefile.read(state_path())
    except RecordDamaged:
        return  # session.start sets a damaged record aside itself, and says so in the new journal
    if previous is None or previous.finished:
        return
    plan, _scan, _replacement = session.plan_for(options, session.policy_for(options))
    if plan.fingerprint != fingerprint:
        raise session.SessionError(
            "the plan changed since you agreed to it (Offramp scanned again with administrator rights and found "
            "something else): go back to Ready to remove; the stopped migration is kept"
        )
    session.abandon()


def _checked_request(request: dict[str, Any]) -> dict[str, Any]:
    """The start request, if it is one the window can mean: a known mode, and for a new migration the
    fingerprint of the plan the person agreed to (without one, nobody agreed to anything)."""
    if request.get("mode") not in ("start", "start-over", "resume"):
        raise RemoteError(
            f"the window asked for {request.get('mode')!r}, neither start, start-over nor resume", exitcodes.USAGE
        )
    if request["mode"] != "resume" and not isinstance(request.get("fingerprint"), str):
        raise RemoteError("the window sent no plan the person agreed to, so nothing was started", exitcodes.USAGE)
    code = request.get("support_code")
    if code is not None and not (isinstance(code, str) and SUPPORT_CODE.fullmatch(code)):
        # Root writes it into its state, journal and report, which a helpdesk and an admin read later.
        raise RemoteError("the window sent a support code that is not one Offramp gives", exitcodes.USAGE)
    return request


def _written_report(options: Options, elevated: bool) -> Any:
    """The report the run just wrote, for the window to keep: it cannot read the system's folders.

    Not when an administrator's --report path names it (a resumed run) and the window is another user's:
    that path may lie in a folder the user can change, and root would send whatever is linked there."""
    from offramp.core.migrate.report import report_path

    if elevated and options.report_file:
        return None
    try:
        return json.loads(report_path(options).read_bytes())
    except (OSError, ValueError):
        return None


class _Channel:
    """JSON lines over a socket: one writer lock, bounded lines, None on a quiet read."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.buffer = b""
        self.lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n"
        with self.lock:
            self.conn.sendall(data)

    def receive(self, timeout: float | None = None) -> dict[str, Any] | None:
        while b"\n" not in self.buffer:
            if timeout is not None:
                ready, _, _ = select.select([self.conn], [], [], timeout)
                if not ready:
                    return None
            chunk = self.conn.recv(65536)
            if not chunk:
                raise RemoteError("Offramp's worker closed the connection before the migration ended; see the log")
            self.buffer += chunk
            if len(self.buffer) > MAX_LINE:
                raise RemoteError("a message between the window and its worker was too long")
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested deeper than any message is
            raise RemoteError("a message between the window and its worker was not JSON") from None
        if not isinstance(message, dict):
            raise RemoteError("a message between the window and its worker was not an object")
        return message


class _Inbox:
    """The worker's reader thread: answers go to whoever asked, a cancel sets a flag the runner polls.

    After the start request the window may send only answers (to a question still waiting, by its number)
    and cancels. Anything else, a line that is not a JSON object, or the window going away ends the
    reading: the run stops at its next safe point, and every question, waiting or to come, gets no answer
    (None), so the worker never waits for a window that can no longer be heard."""

    def __init__(self, channel: _Channel) -> None:
        self.channel = channel
        channel.conn.settimeout(SEND_TIMEOUT)  # reads wait in select; this bounds a send to a window that stalls
        self.request: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=1)
        self.answers: dict[int, queue.Queue[Any]] = {}
        self.next_id = 0
        self.lock = threading.Lock()
        self._gone = False
        self._cancel = threading.Event()
        self._closed = threading.Event()
        self.thread = threading.Thread(target=self._read, name="offramp-worker-inbox", daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            self._listen()
        except Exception as exc:  # noqa: BLE001 - whatever broke the reading, the window cannot be heard any more
            self._cancel.set()
            if not self._closed.is_set():  # not the window closing after the last message
                from offramp.core import eventlog

                message = f"the window went away or sent what it should not ({exc}); stopping at the next safe point"
                eventlog.event("migrate.worker.window_lost", message, level=logging.WARNING)
        finally:
            with self.lock:
                self._gone = True
                for waiting in self.answers.values():
                    waiting.put(None)
                self.answers.clear()
            if self.request.empty():
                self.request.put(None)

    def _listen(self) -> None:
        started = False
        while not self._closed.is_set():
            message = self.channel.receive(timeout=0.5)
            if message is None:
                continue
            kind = message.get("t")
            if kind == "start" and not started:
                started = True
                self.request.put(message)
            elif kind == "cancel" and started:
                self._cancel.set()
            elif kind == "answer" and started and type(message.get("id")) is int:
                with self.lock:
                    waiting = self.answers.pop(message["id"], None)  # one answer per question
                if waiting is not None:
                    waiting.put(message.get("value"))
            else:
                raise RemoteError(f"the window sent something it should not ({kind!r})")

    def first(self, timeout: float = 60.0) -> dict[str, Any]:
        try:
            message = self.request.get(timeout=timeout)
        except queue.Empty:
            message = None
        if message is None:
            raise RemoteError("the window sent no start request", exitcodes.USAGE)
        return message

    def ask(self, message: dict[str, Any]) -> Any:
        with self.lock:
            if self._gone:
                return None
            self.next_id += 1
            number = self.next_id
            waiting: queue.Queue[Any] = queue.Queue()
            self.answers[number] = waiting
        try:
            if not self.tell({**message, "id": number}):
                return None
            return waiting.get()
        finally:
            with self.lock:
                self.answers.pop(number, None)

    def last(self, message: dict[str, Any]) -> None:
        """Sends the run's last message (its result, or why it could not start); the window closes after it."""
        self._closed.set()
        self.tell(message)

    def tell(self, message: dict[str, Any]) -> bool:
        """Sends to the window; False when it is gone or has stopped reading, which stops the run as a cancel
        would (the runner reaches its next safe point; nothing it sends or asks waits on the window)."""
        try:
            self.channel.send(message)
            return True
        except OSError:  # a broken pipe, or a full socket for SEND_TIMEOUT: nobody reads any more
            self._cancel.set()
            return False

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def close(self) -> None:
        self._closed.set()
