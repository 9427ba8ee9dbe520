"""A real TUF repository on disk for the playbook-update tests, written with python-tuf's Metadata API.

Each role has its own ed25519 key; ``publish`` writes new targets, targets/snapshot/timestamp metadata
with bumped versions, and keeps every earlier metadata file so a test can play a hostile mirror that
serves old (rollback), expired (freeze) or mismatched (mix-and-match) metadata, or signs with a wrong key.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp
from tuf.api.serialization.json import JSONSerializer

ROLES = ("root", "targets", "snapshot", "timestamp")


def _in(days: int) -> dt.datetime:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).replace(microsecond=0)


class Repo:
    def __init__(self, folder: Path, *, root_expires_in_days: int = 365) -> None:
        self.folder = folder
        self.metadata = folder / "metadata"
        self.targets_dir = folder / "targets"
        self.metadata.mkdir(parents=True)
        self.targets_dir.mkdir()
        self.signers = {role: CryptoSigner.generate_ed25519() for role in ROLES}
        root = Root(expires=_in(root_expires_in_days), consistent_snapshot=False)
        for role in ROLES:
            root.add_key(self.signers[role].public_key, role)
        self.root = Metadata(root)
        self._write(self.root, "root", "1.root.json")
        self.targets = Metadata(Targets(expires=_in(30)))
        self.snapshot = Metadata(Snapshot(expires=_in(7)))
        self.timestamp = Metadata(Timestamp(expires=_in(1)))
        self.history: dict[str, dict[int, bytes]] = {"targets": {}, "snapshot": {}, "timestamp": {}}

    @property
    def trusted_root(self) -> Path:
        return self.metadata / "1.root.json"

    def _write(self, md: Metadata[Any], role: str, name: str, *, signer: CryptoSigner | None = None) -> bytes:
        md.signatures.clear()
        md.sign(signer or self.signers[role])
        data = md.to_bytes(JSONSerializer(compact=False))
        (self.metadata / name).write_bytes(data)
        return data

    def publish(self, files: dict[str, bytes], *, timestamp_expires_in_days: int = 1) -> None:
        """New targets (plus index.json listing the playbooks) and a fresh targets/snapshot/timestamp chain."""
        index = json.dumps({"playbooks": sorted(files)}).encode()
        targets = self.targets.signed
        targets.targets = {}
        for name, data in {**files, "index.json": index}.items():
            path = self.targets_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            targets.targets[name] = TargetFile.from_data(name, data)
        targets.version += 1
        self.history["targets"][targets.version] = self._write(self.targets, "targets", "targets.json")
        snapshot = self.snapshot.signed
        snapshot.meta["targets.json"] = MetaFile(version=targets.version)
        snapshot.version += 1
        self.history["snapshot"][snapshot.version] = self._write(self.snapshot, "snapshot", "snapshot.json")
        timestamp = self.timestamp.signed
        timestamp.snapshot_meta = MetaFile(version=snapshot.version)
        timestamp.expires = _in(timestamp_expires_in_days)
        timestamp.version += 1
        self.history["timestamp"][timestamp.version] = self._write(self.timestamp, "timestamp", "timestamp.json")

    def serve_old(self, role: str) -> None:
        """A mirror that puts back the first published, validly signed version of a role's metadata."""
        (self.metadata / f"{role}.json").write_bytes(self.history[role][min(self.history[role])])

    def resign_timestamp(
        self, *, signer: CryptoSigner | None = None, expires_in_days: int = 1, bump: bool = True
    ) -> None:
        timestamp = self.timestamp.signed
        timestamp.expires = _in(expires_in_days)
        if bump:
            timestamp.version += 1
        self._write(self.timestamp, "timestamp", "timestamp.json", signer=signer)
