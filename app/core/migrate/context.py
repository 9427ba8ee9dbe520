"""Everything a running migration needs, in one object: the plan, the back-end, the record, and the person (if any)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offramp.core.data.catalogue import Catalogue
from offramp.core.data.policy import Policy
from offramp.core.data.replacements import Replacement
from offramp.core.migrate.journal import Journal
from offramp.core.migrate.plan import Plan
from offramp.core.migrate.statefile import MigrationState
from offramp.core.platform.base import SystemBackend


@dataclass
class Question:
    """A request from the engine to the person at the machine; the GUI or the terminal answers it."""

    kind: str  # acknowledge, confirm, delete, reboot, open-url, password
    title: str
    text: str
    url: str | None = None
    warning: str | None = None
    secret: bool = False


Ask = Callable[[Question], Any]


@dataclass
class Options:
    silent: bool = False
    dry_run: bool = False
    root: str | None = None
    replacement_ref: str | None = None
    policy_file: str | None = None
    report_file: str | None = None
    allow_loopback_http: bool = False
    # A PEM bundle that replaces the default code-signing roots, and offline CRLs (a private PKI, tests).
    trust_roots: str | None = None
    trust_crls: tuple[str, ...] = ()
    offline_dir: str | None = None  # an offline bundle: installers come from it and the network is never used
    # Probable findings a person confirmed (product ids, "kind name" of leftovers): planned for removal too.
    confirmed: tuple[str, ...] = ()
    remove_only: bool = False
    step_timeout: float = 1800.0


@dataclass
class Context:
    plan: Plan
    catalogue: Catalogue
    replacement: Replacement | None
    policy: Policy
    backend: SystemBackend
    journal: Journal
    state: MigrationState
    options: Options
    downloads_dir: Path
    progress: Callable[[str, float], None] = lambda _m, _f: None
    cancelled: Callable[[], bool] = lambda: False
    ask: Ask | None = None
    secrets: dict[str, str] = field(default_factory=dict)
    # Asks the person for one uninstall password (label, hidden?) -> the text, or None for "there is none".
    # Set for interactive runs, where passwords are asked only once a removal was refused without one.
    prompt_secret: Callable[[str, bool], str | None] | None = None
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    # Called in the middle of long actions (between packages, during a download): a test hook point.
    checkpoint: Callable[[], None] = lambda: None
    # How clean-up and the final rescan look at the machine again (a test gives an in-memory one).
    rescan: Callable[[], Any] | None = None

    def scan_again(self) -> Any:
        if self.rescan is not None:
            return self.rescan()
        from offramp.core.scan.run import run_scan

        return run_scan(root=self.root_path, platform=self.plan.platform, catalogue=self.catalogue).findings

    def step_data(self, step_id: str) -> dict[str, Any]:
        return self.state.step(step_id).data

    @property
    def root_path(self) -> Path | None:
        return Path(self.options.root) if self.options.root else None
