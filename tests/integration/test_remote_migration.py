"""The window's migration through the worker process (app/core/migrate/remote.py) on a private dpkg root.

The worker is the real console program (`python -m offramp migrate-worker`), started through the test
elevation (`elevation.DIRECT`: a private root needs no rights), so everything but the system's password
dialog is the real path: the socket, the protocol, the questions, the state, the exit code, dpkg.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from offramp.core import exitcodes
from offramp.core.migrate import remote
from offramp.core.migrate.context import Options, Question
from offramp.core.platform import elevation
from tests.support import linux_fixtures as fx
from tests.support.http_server import HttpServer
from tests.support.pkgbed import DpkgRoot
from tests.support.playbook_fixtures import pinned_playbook

if TYPE_CHECKING:
    from tests.support.pkgbed_fixtures import BuiltPackages

WORKER = [sys.executable, "-m", "offramp", "migrate-worker"]


@pytest.fixture
def kaspersky_root(dpkg_root: DpkgRoot, built_packages: BuiltPackages) -> DpkgRoot:
    dpkg_root.install(*(built_packages.deb(s) for s in (fx.KESL, fx.KLNAGENT64, fx.KLEOPATRA)))
    return dpkg_root


@pytest.fixture
def playbook(tmp_path: Path, built_packages: BuiltPackages):
    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        yield pinned_playbook(tmp_path, "linux", url, payload)


def _options(root: DpkgRoot, playbook: Path, tmp_path: Path, **extra: Any) -> Options:
    policy = tmp_path / "policy.yaml"
    policy.write_text("kind: policy\nschema_version: 1\nleftovers: {silent: remove}\n")
    return Options(
        root=str(root.path), replacement_ref=str(playbook), policy_file=str(policy), allow_loopback_http=True, **extra
    )


def _agreed(options: Options) -> str:
    """The fingerprint of the plan the window shows for these options: the one the person agrees to."""
    from offramp.core.migrate import session

    plan, _scan, _replacement = session.plan_for(options, session.policy_for(options))
    return plan.fingerprint


def test_the_worker_runs_the_migration_and_the_window_hears_every_step(
    kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path, private_home: Path
) -> None:
    seen_states: list[dict[str, str]] = []
    fractions: list[float] = []
    questions: list[Question] = []

    def ask(question: Question) -> Any:
        questions.append(question)
        return True  # the person agrees to each question (deleting the leftovers Offramp names)

    options = _options(kaspersky_root, playbook, tmp_path)
    with (tmp_path / "worker.log").open("wb") as log:
        result = remote.run(
            "start",
            options,
            elevation=elevation.DIRECT,
            worker=WORKER,
            fingerprint=_agreed(options),
            support_code="ABC-DEF",
            progress=lambda _message, fraction: fractions.append(fraction),
            on_state=lambda state: seen_states.append(state.statuses()),
            ask=ask,
            log=log,
            keep_report=tmp_path / "window" / "report.json",
        )
    assert result.exit_code == exitcodes.SUCCESS, (result.message, (tmp_path / "worker.log").read_text())
    assert result.state.support_code == "ABC-DEF"  # the code the window showed is the case's code
    assert set(result.state.statuses().values()) <= {"done", "skipped"}
    installed = kaspersky_root.installed()
    assert "kesl" not in installed and "klnagent64" not in installed
    assert installed["offramp-test-av"] == fx.OFFRAMP_TEST_AV.full_version
    assert "kleopatra" in installed  # the look-alike is left alone
    # The window saw the run as it happened: states with steps running, then done, and rising progress.
    assert any("running" in states.values() for states in seen_states)
    assert fractions and max(fractions) == 1.0
    assert all(isinstance(q, Question) for q in questions)
    # The window keeps the run's report, owner-only, as the worker wrote it (the Done page reads it).
    kept = tmp_path / "window" / "report.json"
    assert json.loads(kept.read_text()) == json.loads((private_home / "state" / "report.json").read_text())
    assert json.loads(kept.read_text())["exit_code"] == 0 and stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_the_window_keeps_the_report_of_this_run_not_an_older_one(
    kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path, private_home: Path
) -> None:
    # A dry run writes its report beside the real one, never over it: the window must be sent the dry run's.
    older = private_home / "state" / "report.json"
    older.parent.mkdir(parents=True, exist_ok=True)
    older.write_text(json.dumps({"support_code": "OLD-RUN", "dry_run": False}))
    options = _options(kaspersky_root, playbook, tmp_path, dry_run=True)
    kept = tmp_path / "window" / "report.json"
    result = remote.run(
        "start", options, elevation=elevation.DIRECT, worker=WORKER, fingerprint=_agreed(options), keep_report=kept
    )
    assert result.exit_code == exitcodes.SUCCESS, result.message
    report = json.loads(kept.read_text())
    assert report["dry_run"] is True and report["support_code"] == result.state.support_code


def test_a_plan_other_than_the_one_agreed_to_is_refused_and_nothing_changes(
    kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path
) -> None:
    before = kaspersky_root.installed()
    with pytest.raises(remote.RemoteError) as caught:
        remote.run(
            "start",
            _options(kaspersky_root, playbook, tmp_path),
            elevation=elevation.DIRECT,
            worker=WORKER,
            fingerprint="not-the-plan-the-worker-makes",
        )
    assert "the plan changed since you agreed to it" in str(caught.value)
    assert caught.value.exit_code == exitcodes.USAGE
    assert kaspersky_root.installed() == before


def test_only_a_yes_from_the_window_counts_as_yes(kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path) -> None:
    # A window that answers in words (or with anything but true) has not said yes: "no" is a true value in Python.
    leftover = kaspersky_root.path / "var/log/kaspersky/kesl/old-scan.log"  # beside the package's own files
    leftover.write_text("what the uninstaller left behind\n")
    asked: list[str] = []

    def in_words(question: Question) -> Any:
        asked.append(question.kind)
        return "no"

    options = _options(kaspersky_root, playbook, tmp_path)
    options.policy_file = str(tmp_path / "asks.yaml")  # the default policy: the person decides about leftovers
    Path(options.policy_file).write_text("kind: policy\nschema_version: 1\n")
    agreed = _agreed(options)
    result = remote.run("start", options, elevation=elevation.DIRECT, worker=WORKER, fingerprint=agreed, ask=in_words)
    assert "delete" in asked, (asked, result.message, result.state.statuses())
    assert leftover.exists()  # "no" kept them


def test_a_window_that_goes_away_mid_run_leaves_a_migration_stopped_at_a_safe_point_to_resume(
    kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path
) -> None:
    from offramp.core.migrate import records, statefile

    options = _options(kaspersky_root, playbook, tmp_path)
    folder = tmp_path / "window"
    folder.mkdir(mode=0o700)
    address = str(folder / "socket")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener, (tmp_path / "worker.log").open("wb") as log:
        listener.bind(address)
        listener.listen(1)
        worker = subprocess.Popen([*WORKER, "--connect", address], stdout=log, stderr=log)
        conn, _ = listener.accept()
        with conn, conn.makefile("rb") as lines:
            request = {"t": "start", "mode": "start", "options": remote._options_json(options)}
            conn.sendall(json.dumps({**request, "fingerprint": _agreed(options)}).encode() + b"\n")
            # The window closes (it crashed, or the person killed it) once the run is under way.
            while not json.loads(lines.readline()).get("message", "").startswith("Step 2 of"):
                pass
        code = worker.wait()
    state = statefile.read(records.state_path())
    assert state is not None and not state.finished
    statuses = state.statuses()
    assert "running" not in statuses.values() and "cancelled" in statuses.values(), statuses
    # Its exit code says so too (as POSIX keeps it: the low 8 bits), not "success" nor a crash.
    assert code == exitcodes.CANCELLED & 0xFF, (tmp_path / "worker.log").read_text()
    # The next window carries it on from where it stopped.
    resumed = remote.run("resume", options, elevation=elevation.DIRECT, worker=WORKER)
    assert resumed.exit_code == exitcodes.SUCCESS, resumed.message
    assert "kesl" not in kaspersky_root.installed() and "offramp-test-av" in kaspersky_root.installed()


def test_a_window_that_fails_mid_run_lets_the_worker_stop_at_a_safe_point_instead_of_killing_it(
    kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path
) -> None:
    from offramp.core.migrate import records, statefile

    (kaspersky_root.path / "var/log/kaspersky/kesl/old-scan.log").write_text("left behind\n")
    options = _options(kaspersky_root, playbook, tmp_path)
    options.policy_file = str(tmp_path / "asks.yaml")  # the default policy: the person decides about leftovers
    Path(options.policy_file).write_text("kind: policy\nschema_version: 1\n")

    def broken(_question: Question) -> Any:
        raise RuntimeError("the window's own bug")

    agreed = _agreed(options)

    with pytest.raises(RuntimeError, match="the window's own bug"):
        remote.run("start", options, elevation=elevation.DIRECT, worker=WORKER, fingerprint=agreed, ask=broken)
    # The worker (root's: the window could not kill it, and must not kill it mid-step) heard the window go,
    # took the question as a no and stopped by itself: no step is left half done.
    state = statefile.read(records.state_path())
    assert state is not None
    assert "running" not in state.statuses().values(), state.statuses()


def test_starting_over_sets_the_workers_stopped_run_aside_only_for_the_plan_agreed_to(
    kaspersky_root: DpkgRoot, tmp_path: Path, built_packages: BuiltPackages, private_home: Path
) -> None:
    from offramp.core.migrate import records

    payload = built_packages.deb(fx.OFFRAMP_TEST_AV).read_bytes()
    with HttpServer() as server:
        url = server.add("/offramp-test-av_1.0_all.deb", payload)
        (tmp_path / "broken").mkdir()
        broken = pinned_playbook(tmp_path / "broken", "linux", url, payload, sha256="0" * 64)
        working = pinned_playbook(tmp_path, "linux", url, payload)
        stopped_options = _options(kaspersky_root, broken, tmp_path)
        stopped = remote.run(
            "start", stopped_options, elevation=elevation.DIRECT, worker=WORKER, fingerprint=_agreed(stopped_options)
        )
        assert stopped.exit_code == exitcodes.HASH_MISMATCH and not stopped.state.finished
        options = _options(kaspersky_root, working, tmp_path)
        # A plain start meets the stopped run; a start-over for a plan nobody agreed to keeps it to resume.
        with pytest.raises(remote.RemoteError, match="already in progress"):
            remote.run("start", options, elevation=elevation.DIRECT, worker=WORKER, fingerprint=_agreed(options))
        with pytest.raises(remote.RemoteError, match="the stopped migration is kept"):
            remote.run("start-over", options, elevation=elevation.DIRECT, worker=WORKER, fingerprint="another-plan")
        kept = records.in_progress()
        assert kept is not None and kept.support_code == stopped.state.support_code
        result = remote.run(
            "start-over", options, elevation=elevation.DIRECT, worker=WORKER, fingerprint=_agreed(options)
        )
    assert result.exit_code == exitcodes.SUCCESS, result.message
    assert "offramp-test-av" in kaspersky_root.installed() and "kesl" not in kaspersky_root.installed()
    assert list((private_home / "state").glob("migration.json.abandoned-*"))  # set aside, not deleted
    journals = [p.read_text() for p in (private_home / "state").glob("journal*")]
    assert any("run.abandoned" in text for text in journals)  # the clearing is on record


@pytest.mark.parametrize(
    ("mode", "fingerprint", "refusal"),
    [
        ("restart", "any", "neither start, start-over nor resume"),  # a typo must not start a migration
        ("start", None, "no plan the person agreed to"),  # no agreement: nothing to run
        ("start-over", None, "no plan the person agreed to"),
    ],
)
def test_a_request_without_an_agreed_plan_or_with_an_unknown_mode_is_refused_and_nothing_changes(
    mode: str, fingerprint: str | None, refusal: str, kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path
) -> None:
    before = kaspersky_root.installed()
    with pytest.raises(remote.RemoteError) as caught:
        remote.run(
            mode,
            _options(kaspersky_root, playbook, tmp_path),
            elevation=elevation.DIRECT,
            worker=WORKER,
            fingerprint=fingerprint,
        )
    assert refusal in str(caught.value) and caught.value.exit_code == exitcodes.USAGE
    assert kaspersky_root.installed() == before


def test_a_dismissed_password_dialog_says_so_and_changes_nothing(
    kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path
) -> None:
    # pkexec's documented exit code for a dismissed dialog, from a stand-in: this machine has no polkit agent.
    dismissed = elevation.Elevation("pkexec", ("/bin/sh", "-c", f"exit {elevation.PKEXEC_DISMISSED}", "pkexec"))
    before = kaspersky_root.installed()
    with pytest.raises(remote.RightsRefused) as caught:
        remote.run("start", _options(kaspersky_root, playbook, tmp_path), elevation=dismissed, worker=WORKER)
    assert caught.value.exit_code == exitcodes.NOT_ELEVATED
    assert "not given administrator rights" in str(caught.value) and "nothing was changed" in str(caught.value)
    assert kaspersky_root.installed() == before


NOBODY = 65534
# A window of another user, in the standard library alone (the test's interpreter may be out of that user's reach):
# it listens on the socket (made by itself, or handed over already bound), sends the start request and prints
# the worker's first answer.
OTHER_USERS_WINDOW = r"""
import json, socket, sys
address, bound, request = sys.argv[1], sys.argv[2], sys.argv[3]
if bound == "-":
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
else:
    listener = socket.socket(fileno=int(bound))
listener.listen(1)
print("listening", flush=True)
conn, _ = listener.accept()
conn.sendall(request.encode() + b"\n")
reply = b""
while not reply.endswith(b"\n"):
    chunk = conn.recv(65536)
    if not chunk:
        break
    reply += chunk
print(reply.decode(), end="", flush=True)
"""


def test_cancelling_while_the_password_dialog_is_up_stops_at_once_and_changes_nothing(
    kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path
) -> None:
    # A prompt nobody answers (or a pkexec that hangs): the person's Cancel is heard while it waits.
    unanswered = elevation.Elevation("pkexec", ("/bin/sh", "-c", "exec sleep 600", "pkexec"))
    before = kaspersky_root.installed()
    with pytest.raises(remote.RemoteError) as caught:
        remote.run(
            "start",
            _options(kaspersky_root, playbook, tmp_path),
            elevation=unanswered,
            worker=WORKER,
            cancelled=lambda: True,
            connect_timeout=5,
        )
    assert isinstance(caught.value, remote.NotStarted) and caught.value.exit_code == exitcodes.CANCELLED
    assert "nothing was changed" in str(caught.value)
    assert kaspersky_root.installed() == before


@pytest.fixture
def other_users_window(tmp_path: Path):
    """Runs OTHER_USERS_WINDOW as `nobody`, then the real worker as root against it; returns the worker's reply."""
    if os.name == "nt" or os.geteuid() != 0:
        pytest.skip("needs root to stand for an elevated worker")
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None or subprocess.run([python, "-c", ""], user=NOBODY, check=False).returncode != 0:
        pytest.skip("no Python that another user may run")
    # The system's temporary folder, not tmp_path: the other user must be able to reach its own folder.
    folder = Path(tempfile.mkdtemp(prefix="offramp-window-"))
    os.chown(folder, NOBODY, NOBODY)

    def run(options: Options, *, bound_by_root: bool = False, **sent: Any) -> tuple[dict[str, Any], int]:
        address = str(folder / "socket")
        start = {"t": "start", "mode": "start", "fingerprint": "shown-in-the-window", **sent}
        request = json.dumps({**start, "options": remote._options_json(options)})
        handed: list[int] = []
        if bound_by_root:
            # The socket file is root's, but the process that listens (the one the worker talks to) is not.
            made = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            made.bind(address)
            handed = [made.fileno()]
        with subprocess.Popen(
            [python, "-I", "-c", OTHER_USERS_WINDOW, address, str(handed[0]) if handed else "-", request],
            user=NOBODY,
            pass_fds=handed,
            stdout=subprocess.PIPE,
            text=True,
        ) as window:
            assert window.stdout is not None
            try:
                assert window.stdout.readline() == "listening\n"
                worker = subprocess.run([*WORKER, "--connect", address], capture_output=True, check=False)
                reply = window.stdout.read()
            finally:
                window.kill()
                if handed:
                    made.close()
                os.unlink(address)
        assert reply, worker.stderr
        return json.loads(reply), worker.returncode

    try:
        yield run
    finally:
        shutil.rmtree(folder)


def test_an_elevated_worker_refuses_options_that_widen_what_root_trusts(
    kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path, other_users_window
) -> None:
    before = kaspersky_root.installed()
    reply, code = other_users_window(_options(kaspersky_root, playbook, tmp_path))
    assert reply["t"] == "error" and code == reply["exit_code"] == exitcodes.USAGE, reply
    # Each thing that would let the user's own process choose what root trusts, deletes or installs.
    for widened in ("allow_loopback_http", "root", "policy_file", "a playbook file from outside"):
        assert widened in reply["message"]
    assert "sudo offramp migrate" in reply["message"]
    assert kaspersky_root.installed() == before


def test_the_worker_judges_its_window_by_who_listens_not_by_who_owns_the_socket_file(
    dpkg_root: DpkgRoot, tmp_path: Path, other_users_window
) -> None:
    # The window's user can swap what sits at the socket's name between a look at the file and the connect;
    # the process at the other end of the connection is what cannot be swapped.
    dpkg_root.path.mkdir(parents=True, exist_ok=True)
    options = Options(root=str(dpkg_root.path), policy_file=str(tmp_path / "mine.yaml"), allow_loopback_http=True)
    reply, code = other_users_window(options, bound_by_root=True)
    assert "does not take allow_loopback_http" in reply["message"], reply
    assert reply["t"] == "error" and code == exitcodes.USAGE


def test_an_elevated_worker_refuses_a_support_code_it_would_write_into_roots_records_as_text_of_the_users(
    dpkg_root: DpkgRoot, other_users_window
) -> None:
    hostile = "ACD-EFG\x1b]0;finished\x07\r\u202e"
    reply, code = other_users_window(Options(replacement_ref="clamav"), support_code=hostile)
    assert reply["t"] == "error" and code == reply["exit_code"] == exitcodes.USAGE, reply
    assert "support code" in reply["message"]


# Another process of the window's own user, quicker than the worker: it takes the connection and reports a
# migration that never happened (and could then ask the person for an uninstall password).
IMPOSTOR = r"""
import socket, sys
conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect(sys.argv[-1])
conn.sendall(sys.argv[1].encode() + b"\n")
while conn.recv(65536):
    pass
"""


def test_the_window_talks_only_to_a_worker_running_as_the_user_the_prompt_gives(
    kaspersky_root: DpkgRoot, playbook: Path, tmp_path: Path
) -> None:
    from offramp.core.migrate.statefile import MigrationState, to_json

    nothing_done = to_json(MigrationState("X", {"steps": []}, {}))
    fake = {"t": "result", "exit_code": 0, "message": "finished", "state": nothing_done}
    # The prompt gives the worker another user's rights (root's, for pkexec); whoever connects as the window's own
    # user is not the worker, and the window waits on for the real one (here: none comes).
    impostor = elevation.Elevation("test-impostor", (sys.executable, "-c", IMPOSTOR, json.dumps(fake)), runs_as=NOBODY)
    with pytest.raises(remote.RemoteError) as caught:
        remote.run("start", _options(kaspersky_root, playbook, tmp_path), elevation=impostor, worker=WORKER)
    assert "stopped before it started" in str(caught.value)


def _applescript_text(literal: str) -> str:
    """What AppleScript makes of a string literal: the text between the quotes, its escapes undone."""
    assert literal.startswith('"') and literal.endswith('"')
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    out, chars = [], iter(literal[1:-1])
    for char in chars:
        if char == "\\":
            out.append(escapes[next(chars)])
        else:
            assert char != '"', "an unescaped quote ends the literal early"
            out.append(char)
    return "".join(out)


def test_the_macos_command_reaches_the_worker_intact_and_with_a_clean_environment(tmp_path: Path) -> None:
    # The socket's folder comes from TMPDIR, which is the user's: any character may be in it.
    hostile = str(tmp_path / "a b'c\"d\\e$(touch pwned)`id`;&|\nf\\ng" / "socket")
    mac = elevation.Elevation("osascript", ("/usr/bin/osascript",), background_shell=True)

    def through_the_shell() -> bytes:
        read, write = os.pipe()
        seen = "json.dumps([sys.argv[1:], dict(os.environ), os.getcwd()])"
        reporter = f"import json, os, sys; os.write({write}, {seen}.encode())"
        argv = mac.wrap([sys.executable, "-c", reporter, "migrate-worker", "--connect", hostile])
        literal = argv[2].removeprefix("do shell script ").removesuffix(" with administrator privileges")
        # What `do shell script` hands to /bin/sh; the worker runs in the background, so read until it is done.
        with subprocess.Popen(["/bin/sh", "-c", _applescript_text(literal)], pass_fds=[write], cwd=tmp_path) as shell:
            os.close(write)
            with os.fdopen(read, "rb") as output:
                said = output.read()
        assert shell.returncode == 0
        return said

    # Once in many CI runs the background process ended without a word (its output goes to /dev/null, as on
    # a Mac): a second try tells that apart from a command that never works.
    said = through_the_shell() or through_the_shell()
    seen_argv, seen_env, seen_cwd = json.loads(said)
    assert seen_argv == ["migrate-worker", "--connect", hostile]
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
    # As under pkexec: nothing of the user's session (OFFRAMP_*, PYTHON*, SSL_CERT_FILE, proxies, TMPDIR, HOME)
    # reaches root, and it does not start in a folder of the user's.
    if seen_env.get("LC_CTYPE") == "C.UTF-8":
        del seen_env["LC_CTYPE"]  # Python's own, under the C locale (PEP 538), not the user's
    assert seen_env == {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin"}
    assert seen_cwd == "/"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pkexec is Linux's prompt")
def test_pkexec_is_the_systems_own_not_one_first_on_the_users_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A program of the user's named pkexec could show a look-alike dialog and keep the administrator's password.
    fake = tmp_path / "pkexec"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    try:
        chosen = elevation.for_this_system().prefix[0]
    except elevation.ElevationUnavailable:
        return  # this system has no pkexec of its own, and nothing of the user's was taken instead
    assert chosen in ("/usr/bin/pkexec", "/bin/pkexec", "/usr/sbin/pkexec", "/sbin/pkexec")


def test_the_elevations_wrap_the_worker_as_each_system_expects() -> None:
    worker = ["/usr/lib/offramp/offramp", "migrate-worker", "--connect", "/tmp/x y/socket"]
    assert elevation.Elevation("pkexec", ("/usr/bin/pkexec",)).wrap(worker) == ["/usr/bin/pkexec", *worker]
    mac = elevation.Elevation("osascript", ("/usr/bin/osascript",), background_shell=True).wrap(worker)
    assert mac[:2] == ["/usr/bin/osascript", "-e"]
    assert mac[2] == (
        'do shell script "cd / && exec /usr/bin/env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin '
        "/usr/lib/offramp/offramp migrate-worker --connect '/tmp/x y/socket' >/dev/null 2>&1 &\" "
        "with administrator privileges"
    )
    assert elevation.Elevation("pkexec").refused(126) and elevation.Elevation("pkexec").refused(127)
    assert not elevation.Elevation("pkexec").refused(1)
    with pytest.raises(elevation.ElevationUnavailable, match="pkexec"):
        if sys.platform.startswith("linux"):
            elevation.for_this_system(which=lambda _name: None)
        else:
            raise elevation.ElevationUnavailable("pkexec")
