"""The admin policy: which replacement per platform, restarts, where passwords come from.

A YAML file validated like the playbooks (playbooks/schema/policy.schema.json). Without a file the
defaults are those of a careful person at the keyboard: remove every banned product found, allow no
restart without asking, read no password from anywhere but a prompt, delete no leftover nobody confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offramp.core.data.validation import load_checked


@dataclass(frozen=True)
class Policy:
    replacement: dict[str, str] = field(default_factory=dict)  # platform -> playbook id
    reboot_allowed: bool = False
    # A restart after the removals even when no uninstaller asked for one: some admins want the old product's
    # drivers or kernel modules unloaded before the replacement goes in.
    reboot_after_removal: bool = False
    password_source: str = "prompt"  # prompt, env, file, none
    password_file: str | None = None
    password_env: dict[str, str] = field(
        default_factory=lambda: {
            "kes_login": "OFFRAMP_KES_LOGIN",
            "kes_password": "OFFRAMP_KES_PASSWORD",
            "network_agent_password": "OFFRAMP_NETWORK_AGENT_PASSWORD",
        }
    )
    proxy: str | None = None
    # A re-published installer (new SHA-256) is accepted when its playbook pins the signer and it verifies.
    accept_new_hash_if_signed: bool = False
    log_dir: str | None = None
    remove_families: tuple[str, ...] = ("consumer", "business", "server", "companion", "legacy", "tool")
    keep_products: tuple[str, ...] = ()
    data_rescue: str = "ask"  # ask: a person confirms each item; assume-done: the admin has taken care of it
    download_stall_seconds: float = 60.0  # a download that moves under 1 KiB in this long has stalled
    # Probable findings (an uninstall entry without a publisher, a file known only by its name) are removed
    # only once a person confirms them; an admin who has checked the fleet can let them go without asking.
    remove_probable: bool = False
    # What the clean-up does with leftovers when no person is there to confirm (the catalogue says a person
    # confirms): report them (the default), or remove them.
    leftovers: str = "report"
    source: str = "defaults"

    def removes(self, family: str, product_id: str) -> bool:
        return family in self.remove_families and product_id not in self.keep_products


def from_data(data: dict[str, Any], source: str) -> Policy:
    passwords = data.get("passwords", {})
    removal = data.get("remove", {})
    defaults = Policy()
    return Policy(
        replacement=dict(data.get("replacement", {})),
        reboot_allowed=bool(data.get("reboot", {}).get("allowed", False)),
        reboot_after_removal=bool(data.get("reboot", {}).get("after_removal", False)),
        password_source=passwords.get("source", "prompt"),
        password_file=passwords.get("file"),
        password_env={**defaults.password_env, **passwords.get("env", {})},
        proxy=data.get("proxy"),
        accept_new_hash_if_signed=bool(data.get("installers", {}).get("accept_new_hash_if_signed", False)),
        log_dir=data.get("log_dir"),
        remove_families=tuple(removal.get("families", defaults.remove_families)),
        keep_products=tuple(removal.get("keep_products", ())),
        remove_probable=bool(removal.get("probable", False)),
        data_rescue=data.get("data_rescue", "ask"),
        download_stall_seconds=float(data.get("download", {}).get("stall_seconds", defaults.download_stall_seconds)),
        leftovers=data.get("leftovers", {}).get("silent", "report"),
        source=source,
    )


def load_policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    doc = load_checked(path, expect_kind="policy")
    return from_data(doc.data, str(path))


def silent_defaults(policy: Policy) -> Policy:
    """Silent mode cannot ask: data rescue counts as the admin's job unless the policy says otherwise."""
    if policy.source == "defaults":
        return Policy(**{**policy.__dict__, "data_rescue": "assume-done", "password_source": "env"})
    return policy
