"""`offramp bundle create`: installers and playbooks for machines without a network, verified before they travel."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from app.commands.migrate import LOOPBACK_SWITCH

PLATFORMS = {"windows": "windows", "macos": "darwin", "linux": "linux"}


def run_create(args: argparse.Namespace) -> int:
    from app.core import exitcodes
    from app.core.data.policy import load_policy
    from app.core.migrate import bundle
    from app.core.migrate.download import DownloadError, download
    from app.core.migrate.signer import SignerError, check_signer

    policy = load_policy(args.policy)
    proxies = {"https": policy.proxy, "http": policy.proxy} if policy.proxy else None

    def fetch(url: str, folder: Path, details: dict[str, Any]) -> Path:
        pin = details.get("signer")
        accept = (lambda path: check_signer(path, pin)) if pin and policy.accept_new_hash_if_signed else None
        size = int(details["size"])
        print(f"downloading {url}", file=sys.stderr)
        return download(
            url,
            folder,
            sha256=str(details["sha256"]),
            max_size=size,
            expected_size=None if accept else size,  # a re-published installer may have another size
            filename=bundle.installer_name(url, folder.name),
            allow_loopback_http=os.environ.get(LOOPBACK_SWITCH) == "1",
            proxies=proxies,
            vouch=accept,
        )

    try:
        manifest = bundle.create(
            args.to,
            PLATFORMS[args.os],
            args.output,
            fetch=fetch,
            check_signer=lambda path, pin: check_signer(path, pin),
        )
    except bundle.BundleError as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return exc.exit_code
    except DownloadError as exc:
        print(f"offramp: {exc}", file=sys.stderr)
        return exitcodes.HASH_MISMATCH if exc.kind == "hash-mismatch" else exitcodes.DOWNLOAD_FAILED
    except SignerError as exc:
        print(f"offramp: the installer was refused: {exc}", file=sys.stderr)
        return exitcodes.SIGNER_MISMATCH
    print(f"Bundle written: {manifest.parent} (manifest {manifest.name}).")
    print(f"On each machine: offramp migrate --silent --offline {manifest.parent}")
    return exitcodes.SUCCESS
