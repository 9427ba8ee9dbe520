"""Uninstall passwords: read from a prompt, a file or the environment, never from the command line.

They live only in memory, are handed to the command runner as secrets (so the logged argv shows
a mask), and are never written to the state file, the journal or the report. A password shorter than
MIN_LENGTH is refused: masking it would blank every matching character in the logs, and a password
that short guards nothing. A password file must be readable by its owner only (POSIX mode and owner
are checked on the open file), and a file that does not parse is described, never quoted.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from offramp.core.data.policy import Policy
from offramp.core.i18n import Text

KEYS = ("kes_login", "kes_password", "network_agent_password")
LABELS = {
    # Which product these are for, and its usual account name, is the catalogue's to say (its help text).
    # Text: English where they are logged, the reader's language where a person is asked (i18n.shown()).
    "kes_login": Text("endpoint product's uninstall account"),
    "kes_password": Text("endpoint product's uninstall password"),
    "network_agent_password": Text("Network Agent uninstall password"),
}


MIN_LENGTH = 4
MAX_FILE_BYTES = 64 * 1024


class SecretsError(Exception):
    pass


def check_length(key: str, value: str) -> None:
    if len(value) < MIN_LENGTH:
        raise SecretsError(
            f"the {LABELS[key]} is shorter than {MIN_LENGTH} characters, too short to keep out of the logs; "
            "Offramp will not use it. Set a longer one in the management console and try again"
        )


def gather(policy: Policy, needed: set[str], prompt: Callable[[str, bool], str | None] | None) -> dict[str, str]:
    """The passwords a plan may need, from the policy's source. Missing ones are simply absent."""
    found: dict[str, str] = {}
    if not needed:
        return found
    if policy.password_source == "env":
        for key in needed:
            value = os.environ.get(policy.password_env.get(key, ""), "")
            if value:
                found[key] = value
    elif policy.password_source == "file" and policy.password_file:
        found.update(_from_file(Path(policy.password_file), needed))
    elif policy.password_source == "prompt" and prompt is not None:
        for key in sorted(needed):
            answer = prompt(LABELS[key], key != "kes_login")
            if answer:
                found[key] = answer
    for key, value in found.items():
        if key != "kes_login":  # an account name is not secret; it is masked too, but may be short
            check_length(key, value)
    from offramp.core.platform import commands

    # However the policy names the variables, no child of Offramp gets one that holds a password.
    commands.remember_secrets(v for k, v in found.items() if k != "kes_login")
    return found


def _from_file(path: Path, needed: set[str]) -> dict[str, str]:
    from offramp.core import inputs
    from offramp.core.data.yamlstrict import YamlError, load

    try:
        raw, st = inputs.read_bytes(path, MAX_FILE_BYTES)
    except inputs.InputError as exc:
        raise SecretsError(str(exc)) from None
    _check_owner_only(path, st)
    try:
        data = load(path, raw.decode("utf-8-sig")).data
    except (YamlError, UnicodeDecodeError) as exc:
        # The message of a parser may quote the text around the problem, which may be the password itself.
        line = f":{exc.position.line}" if isinstance(exc, YamlError) else ""
        raise SecretsError(
            f"{path}{line}: not a valid password file (its content is not shown, it may hold a password); "
            f"expected lines 'key: value' with the keys {', '.join(KEYS)}"
        ) from None
    if not isinstance(data, dict):
        raise SecretsError(f"{path}: expected keys {', '.join(KEYS)}")
    unknown = set(data) - set(KEYS)
    if unknown:
        raise SecretsError(f"{path}: unknown keys {', '.join(sorted(unknown))}; expected {', '.join(KEYS)}")
    for key, value in data.items():
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise SecretsError(f"{path}: {key} must be text (quote it if it looks like a number or yes/no)")
    return {k: str(v) for k, v in data.items() if k in needed and v}


def _check_owner_only(path: Path, st: os.stat_result) -> None:
    """A password file that others can read has leaked already: refuse it and say how to fix it."""
    if os.name == "nt":
        return  # NTFS ACLs, not mode bits; the admin's deployment tool places the file
    mode = st.st_mode & 0o777
    if st.st_uid not in (os.geteuid(), 0):
        raise SecretsError(
            f"{path}: belongs to user id {st.st_uid}; a password file must belong to the user running Offramp "
            "or to root"
        )
    if mode & 0o077:
        raise SecretsError(
            f"{path}: readable or writable by other users (mode {mode:04o}); make it owner-only with "
            f"'chmod 600 {path}' and change the passwords it holds if others could read it"
        )


def needed_for(steps_params: list[dict[str, object]]) -> set[str]:
    needed: set[str] = set()
    for params in steps_params:
        if params.get("password") == "kes-login":
            needed |= {"kes_login", "kes_password"}
        elif params.get("password") == "network-agent":
            needed.add("network_agent_password")
    return needed
