"""Test playbooks pinned to a file served from 127.0.0.1: the shipped test-only playbook, url and hash swapped."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from offramp.core import paths

TEST_PLAYBOOK = paths.playbooks_dir() / "replacements" / "offramp-test-av.yaml"


def pinned_playbook(folder: Path, platform: str, url: str, payload: bytes, *, sha256: str | None = None) -> Path:
    """A copy of the test playbook whose `platform` download points at `url` with the payload's real hash and size."""
    text = TEST_PLAYBOOK.read_text()
    head, _, rest = text.partition(f"  {platform}:\n    - method: download\n")
    block, sep, tail = rest.partition("      silent:")
    block = re.sub(r"url: \S+", f"url: {url}", block)
    block = re.sub(r'sha256: "[0-9a-f]+"', f'sha256: "{sha256 or hashlib.sha256(payload).hexdigest()}"', block)
    block = re.sub(r"size: \d+", f"size: {len(payload)}", block)
    target = folder / f"offramp-test-av-{platform}.yaml"
    target.write_text(head + f"  {platform}:\n    - method: download\n" + block + sep + tail)
    return target
