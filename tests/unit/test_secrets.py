"""Uninstall passwords come from a prompt, a file or the environment, and only the ones a plan needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from offramp.core.data.policy import Policy
from offramp.core.migrate.secrets import SecretsError, gather, needed_for


def test_only_what_the_plan_needs_is_read() -> None:
    assert needed_for([{"password": "none"}]) == set()
    assert needed_for([{"password": "kes-login"}, {"password": "network-agent"}]) == {
        "kes_login",
        "kes_password",
        "network_agent_password",
    }


def test_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFFRAMP_KES_PASSWORD", "pass-1")
    monkeypatch.setenv("OFFRAMP_NETWORK_AGENT_PASSWORD", "pass-2")
    found = gather(Policy(password_source="env"), {"kes_password", "network_agent_password"}, None)
    assert found == {"kes_password": "pass-1", "network_agent_password": "pass-2"}
    assert gather(Policy(password_source="env"), {"kes_password"}, None) == {"kes_password": "pass-1"}


def test_from_a_file(tmp_path: Path) -> None:
    secrets = tmp_path / "passwords.yaml"
    secrets.write_text("kes_login: KLAdmin\nkes_password: 'p: 1'\nnetwork_agent_password: p2\n")
    secrets.chmod(0o600)
    policy = Policy(password_source="file", password_file=str(secrets))
    assert gather(policy, {"kes_login", "kes_password"}, None) == {"kes_login": "KLAdmin", "kes_password": "p: 1"}


def test_a_file_with_unknown_keys_is_refused(tmp_path: Path) -> None:
    secrets = tmp_path / "passwords.yaml"
    secrets.write_text("kes_pasword: typo\n")
    secrets.chmod(0o600)
    with pytest.raises(SecretsError, match="unknown keys kes_pasword"):
        gather(Policy(password_source="file", password_file=str(secrets)), {"kes_password"}, None)


def test_from_a_prompt_and_never_in_silent_mode() -> None:
    asked = []

    def prompt(label: str, secret: bool) -> str:
        asked.append((label, secret))
        return "typed"

    found = gather(Policy(password_source="prompt"), {"kes_login", "kes_password"}, prompt)
    assert found == {"kes_login": "typed", "kes_password": "typed"}
    assert [secret for _, secret in sorted(asked)] == [False, True]  # the account is shown, the password hidden
    assert gather(Policy(password_source="prompt"), {"kes_password"}, None) == {}


def test_a_bad_password_file_stops_the_session_with_words_not_a_traceback(tmp_path: Path) -> None:
    from offramp.core.data.catalogue import load_catalogue
    from offramp.core.migrate import session
    from offramp.core.migrate.context import Options
    from offramp.core.migrate.journal import Journal
    from offramp.core.migrate.plan import Plan, Step
    from offramp.core.migrate.statefile import MigrationState

    secrets = tmp_path / "passwords.yaml"
    secrets.write_text("kes_pasword: typo\n")
    secrets.chmod(0o600)
    policy = Policy(password_source="file", password_file=str(secrets))
    plan = Plan("linux", None, [Step("uninstall.x", "uninstall", "Remove X", params={"password": "kes-login"})])
    state = MigrationState("AAA-AAA", plan.to_dict(), {})
    with pytest.raises(session.SessionError, match="cannot read the uninstall passwords: .*unknown keys kes_pasword"):
        session._runner(
            plan,
            state,
            Options(silent=True, root=str(tmp_path)),
            policy,
            load_catalogue(catalogue_id="kaspersky"),
            None,
            Journal(tmp_path / "j.jsonl"),
            None,
            None,
            None,
            None,
        )
