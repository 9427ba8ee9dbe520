"""Uninstall passwords: read from a prompt, a file or the environment, never from the command line.

They live only in memory, are handed to the command runner as secrets (so the logged argv shows
a mask), and are never written to the state file, the journal or the report.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from app.core.data.policy import Policy

KEYS = ("kes_login", "kes_password", "network_agent_password")
LABELS = {
    "kes_login": "Kaspersky Endpoint Security account (often KLAdmin)",
    "kes_password": "Kaspersky Endpoint Security password",
    "network_agent_password": "Network Agent uninstall password",
}


class SecretsError(Exception):
    pass


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
    return found


def _from_file(path: Path, needed: set[str]) -> dict[str, str]:
    from app.core.data.yamlstrict import YamlError, load

    try:
        data = load(path).data
    except YamlError as exc:
        raise SecretsError(f"{path}:{exc.position.line}: {exc.message}") from None
    if not isinstance(data, dict):
        raise SecretsError(f"{path}: expected keys {', '.join(KEYS)}")
    unknown = set(data) - set(KEYS)
    if unknown:
        raise SecretsError(f"{path}: unknown keys {', '.join(sorted(unknown))}; expected {', '.join(KEYS)}")
    return {k: str(v) for k, v in data.items() if k in needed and v}


def needed_for(steps_params: list[dict[str, object]]) -> set[str]:
    needed: set[str] = set()
    for params in steps_params:
        if params.get("password") == "kes-login":
            needed |= {"kes_login", "kes_password"}
        elif params.get("password") == "network-agent":
            needed.add("network_agent_password")
    return needed
