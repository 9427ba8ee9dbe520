"""A migration run by an elevated worker process, driven from the unprivileged window.

Why a second process: the window must not run as root (Qt, the user's fonts, theme and session would),
yet removing a security product needs administrator rights. So when the window has none, it starts
`offramp migrate-worker` through the system's own prompt (app/core/platform/elevation.py) and the worker
runs exactly what `offramp migrate` runs: session.start or session.resume, then the runner. The two
speak JSON lines over a Unix socket that the window creates in a folder only its user can enter:

    window -> worker   {"t": "start", "mode": "start"|"resume", "options": {...}, "fingerprint": ...,
                        "support_code": ...}                        the one request, first
                       {"t": "answer", "id": N, "value": ...}       a question's answer
                       {"t": "cancel"}                              stop at the next safe point
    worker -> window   {"t": "progress", "message": ..., "fraction": ..., "state": {...}|null}
                       {"t": "ask", "id": N, "question": {...}}     a Question, answered by the person
                       {"t": "secret", "id": N, "label": ..., "secret": bool}
                       {"t": "result", "exit_code": N, "message": ..., "state": {...}}
                       {"t": "error", "exit_code": N, "message": ...}  it could not start (one sentence)

The worker scans again with its own rights (an unprivileged scan may see less) and runs only the plan
the person agreed to: a plan with another fingerprint is refused, not run. It takes only the options a
person can choose in the window; the test-only ones (loopback HTTP, other signing roots) are refused
when it runs with rights its window lacks (root, for a socket another user made), so a process that
reaches the prompt cannot widen what root will trust.
"""

from __future__ import annotations

import json
import os
import queue
import select
import socket
import subprocess
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

MAX_LINE = 16 * 1024 * 1024  # a state with a long journal of steps is far below this; a bigger line is an attack
# Options a person cannot choose in the window: refused by an elevated worker (see the module docstring).
TEST_ONLY_OPTIONS = {"allow_loopback_http": False, "trust_roots": None, "trust_crls": ()}


class RemoteError(Exception):
    """The worker could not run the migration; the message says why in one sentence."""

    def __init__(self, message: str, exit_code: int = exitcodes.INTERNAL) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class RightsRefused(RemoteError):
    """The person dismissed the system's prompt, or is not allowed to give administrator rights."""

    def __init__(self) -> None:
        super().__init__(
            "Offramp was not given administrator rights, so nothing was changed. To try again, press the "
            "button again and enter an administrator's password; if you are not an administrator, ask one",
            exitcodes.NOT_ELEVATED,
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
                conn = _accept(listener, child, elevation, connect_timeout)
            except BaseException:
                if child.poll() is None:
                    child.kill()
                child.wait()
                raise
        finally:
            listener.close()
        with conn:
            try:
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
                # The worker ends when the run does; never leave it behind a closed window.
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()


def _accept(listener: socket.socket, child: subprocess.Popen[bytes], elevation: Elevation, timeout: float):
    """The worker's connection; RightsRefused when the prompt was dismissed, RemoteError when it died first."""
    deadline = time.monotonic() + timeout
    while True:
        ready, _, _ = select.select([listener], [], [], 0.2)
        if ready:
            conn, _ = listener.accept()
            return conn
        code = child.poll()
        if code is not None and not (elevation.background_shell and code == 0):
            if elevation.refused(code):
                raise RightsRefused()
            raise RemoteError(f"Offramp's worker stopped before it started (exit {code}); see the log")
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
            raise RemoteError(str(message["message"]), int(message.get("exit_code", exitcodes.INTERNAL)))
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
    known = {f.name for f in fields(Options)}
    unknown = set(data) - known
    if unknown:
        raise RemoteError(f"the window sent options this Offramp does not know: {sorted(unknown)}", exitcodes.USAGE)
    values = dict(data)
    for key in ("trust_crls", "confirmed"):
        values[key] = tuple(values.get(key) or ())
    if elevated:
        _refuse_widening(values)
    values["silent"] = False  # the person at the window answers the questions
    return Options(**values)


def _refuse_widening(values: dict[str, Any]) -> None:
    """What an unprivileged window may not ask of a root worker: test-only trust, files of its own choosing.

    The window runs the migration of this machine with a shipped (or signed-update) playbook; a policy,
    a mounted root, a report path, an offline bundle or a playbook file from the user's own folders would
    let any process of that user choose what root installs, deletes or writes. Those runs are for an
    administrator's terminal (`sudo offramp migrate …`), which says so."""
    from offramp.core import paths

    widened = sorted(key for key, default in TEST_ONLY_OPTIONS.items() if values.get(key, default) != default)
    widened += sorted(key for key in ("root", "policy_file", "report_file", "offline_dir") if values.get(key))
    ref = values.get("replacement_ref")
    if isinstance(ref, str) and Path(ref).suffix in (".yaml", ".yml"):
        trusted = (paths.playbooks_dir().resolve(), paths.playbook_updates_dir().resolve())
        if not any(Path(ref).resolve().is_relative_to(folder) for folder in trusted):
            widened.append("a playbook file from outside Offramp's own playbooks")
    if widened:
        raise RemoteError(
            f"Offramp's administrator part does not take {', '.join(widened)} from the window; "
            "an administrator can run 'sudo offramp migrate' with them instead",
            exitcodes.USAGE,
        )


# ------------------------------------------------------------------------------------------ the worker's side


def crosses_rights(address: str) -> bool:
    """True when this worker has rights its window lacks: it runs as root, and another user made the socket."""
    return os.name != "nt" and os.geteuid() == 0 and os.stat(address).st_uid != 0


def serve(address: str) -> int:
    """`offramp migrate-worker --connect ADDRESS`: runs one migration for the window at ADDRESS; its exit code."""
    from offramp.core.migrate import session
    from offramp.core.migrate.recorderrors import RecordError

    elevated = crosses_rights(address)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(address)
    channel = _Channel(conn)
    inbox = _Inbox(channel)
    try:
        request = inbox.first()
        options = _options_from_json(request.get("options"), elevated)
        runner_box: dict[str, Any] = {}

        def progress(message: str, fraction: float) -> None:
            runner = runner_box.get("runner")
            state = statefile.to_json(runner.ctx.state) if runner is not None else None
            channel.send({"t": "progress", "message": message, "fraction": fraction, "state": state})

        def ask(question: Question) -> Any:
            return inbox.ask({"t": "ask", "question": asdict(question)})

        def prompt_secret(label: str, secret: bool) -> str | None:
            value = inbox.ask({"t": "secret", "label": label, "secret": secret})
            return value if isinstance(value, str) else None

        try:
            if request.get("mode") == "resume":
                runner = session.resume(
                    progress=progress, cancelled=inbox.cancelled, ask=ask, prompt_secret=prompt_secret, silent=False
                )
            else:
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
                wanted = request.get("fingerprint")
                if wanted is not None and started.ctx.plan.fingerprint != wanted:
                    started.close()
                    raise session.SessionError(
                        "the plan changed since you agreed to it (Offramp scanned again with administrator "
                        "rights and found something else): go back to Ready to remove"
                    )
                runner = started
        except (session.SessionError, RecordError) as exc:
            code = getattr(exc, "exit_code", exitcodes.USAGE)
            channel.send({"t": "error", "exit_code": code, "message": str(exc)})
            return int(code)
        runner_box["runner"] = runner
        result = runner.run()
        channel.send(
            {
                "t": "result",
                "exit_code": result.exit_code,
                "message": result.message,
                "state": statefile.to_json(result.state),
                "report": _written_report(runner.ctx.options),
            }
        )
        return result.exit_code
    except RemoteError as exc:
        channel.send({"t": "error", "exit_code": exc.exit_code, "message": str(exc)})
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the window gets one sentence; the log keeps the traceback
        import logging

        from offramp.core import eventlog

        eventlog.get("worker").log(logging.ERROR, "the worker failed", exc_info=True)
        message = f"Offramp's worker failed ({type(exc).__name__}); the log in {eventlog.default_log_file()} says more"
        channel.send({"t": "error", "exit_code": exitcodes.INTERNAL, "message": message})
        return exitcodes.INTERNAL
    finally:
        inbox.close()
        conn.close()


def _written_report(options: Options) -> Any:
    """The report the run just wrote, for the window to keep: it cannot read the system's folders."""
    from offramp.core import paths

    target = Path(options.report_file) if options.report_file else paths.state_dir() / "report.json"
    try:
        return json.loads(target.read_bytes())
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
        message = json.loads(line)
        if not isinstance(message, dict):
            raise RemoteError("a message between the window and its worker was not an object")
        return message


class _Inbox:
    """The worker's reader thread: answers go to whoever asked, a cancel sets a flag the runner polls."""

    def __init__(self, channel: _Channel) -> None:
        self.channel = channel
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.answers: dict[int, queue.Queue[Any]] = {}
        self.next_id = 0
        self.lock = threading.Lock()
        self._cancel = threading.Event()
        self._closed = threading.Event()
        self.thread = threading.Thread(target=self._read, name="offramp-worker-inbox", daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            while not self._closed.is_set():
                message = self.channel.receive(timeout=0.5)
                if message is None:
                    continue
                if message.get("t") == "cancel":
                    self._cancel.set()
                elif message.get("t") == "answer":
                    with self.lock:
                        waiting = self.answers.get(message.get("id"))  # type: ignore[arg-type]
                    if waiting is not None:
                        waiting.put(message.get("value"))
                else:
                    self.messages.put(message)
        except (OSError, ValueError, RemoteError):
            # The window went away: stop at the next safe point, as a cancel from the window would.
            self._cancel.set()
            self.messages.put(None)
            with self.lock:
                for waiting in self.answers.values():
                    waiting.put(None)

    def first(self) -> dict[str, Any]:
        message = self.messages.get(timeout=60)
        if message is None or message.get("t") != "start":
            raise RemoteError("the window sent no start request", exitcodes.USAGE)
        return message

    def ask(self, message: dict[str, Any]) -> Any:
        with self.lock:
            self.next_id += 1
            number = self.next_id
            waiting: queue.Queue[Any] = queue.Queue()
            self.answers[number] = waiting
        self.channel.send({**message, "id": number})
        try:
            return waiting.get()
        finally:
            with self.lock:
                self.answers.pop(number, None)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def close(self) -> None:
        self._closed.set()
