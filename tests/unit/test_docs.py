"""The examples in README.md work: the policy validates, and every command it lists has --help."""

from __future__ import annotations

import re
from pathlib import Path

from offramp.core.data.policy import load_policy
from tests.conftest import REPO, run_cli

README = (REPO / "README.md").read_text()


def test_the_readme_policy_example_is_valid(tmp_path: Path) -> None:
    block = re.search(r"```yaml\n(kind: policy.*?)```", README, re.S)
    assert block, "README.md has no policy example"
    path = tmp_path / "policy.yaml"
    path.write_text(block.group(1))
    policy = load_policy(path)
    assert policy.replacement["windows"] == "microsoft-defender-antivirus"
    assert policy.password_env["kes_password"] == "KES_PASS"


def test_every_command_in_the_admin_table_exists() -> None:
    commands = set(re.findall(r"^\| `offramp ([a-z]+(?: [a-z][a-z-]+)?)", README, re.M))
    assert len(commands) >= 10
    for command in sorted(commands):
        words = [w for w in command.split() if not w.isupper()]
        result = run_cli(*words, "--help")
        assert result.returncode == 0, command
