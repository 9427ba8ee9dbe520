"""`offramp bundle create`: installers and playbooks for machines without a network, verified before they travel."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from offramp.commands.migrate import LOOPBACK_SWITCH
from offramp.core.data.platforms import CHOICES


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("bundle", help="carry installers to machines without a network")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    b = actions.add_parser(
        "create",
        help="download and verify installers and playbooks into a folder for 'migrate --offline'",
        description="Download each playbook's installer for one OS, verify its SHA-256 and pinned signer, "
        "and write it with the playbooks and a manifest of SHA-256s into DIR. Exit 0 done, 2 usage, "
        "22 download failed, 23 hash mismatch, 32 signer mismatch.",
    )
    b.add_argument("--to", required=True, nargs="+", metavar="PLAYBOOK", help="playbook ids or files")
    b.add_argument("--os", required=True, choices=CHOICES, help="the machines' system")
    b.add_argument("--output", required=True, type=Path, metavar="DIR", help="a new or empty folder")
    b.add_argument("--policy", type=Path, metavar="FILE", help="an admin policy (proxy, re-published installers)")
    b.set_defaults(handler=run_create)


def run_create(args: argparse.Namespace) -> int:
    from offramp.core import exitcodes
    from offramp.core.data import platforms
    from offramp.core.data.policy import load_policy
    from offramp.core.i18n import _
    from offramp.core.migrate import bundle
    from offramp.core.migrate.download import DownloadError, download
    from offramp.core.migrate.signer import SignerError, check_signer

    policy = load_policy(args.policy)
    proxies = {"https": policy.proxy, "http": policy.proxy} if policy.proxy else None

    def fetch(url: str, folder: Path, details: dict[str, Any]) -> Path:
        from offramp.core.i18n import _

        pin = details.get("signer")
        accept = (lambda path: check_signer(path, pin)) if pin and policy.accept_new_hash_if_signed else None
        size = int(details["size"])
        print(_("downloading {address}", address=url), file=sys.stderr)
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
            platforms.from_typed(args.os),
            args.output,
            fetch=fetch,
            check_signer=lambda path, pin: check_signer(path, pin),
        )
    except bundle.BundleError as exc:
        print(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return exc.exit_code
    except DownloadError as exc:
        print(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.HASH_MISMATCH if exc.kind == "hash-mismatch" else exitcodes.DOWNLOAD_FAILED
    except SignerError as exc:
        print(_("offramp: the installer was refused: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.SIGNER_MISMATCH
    print(_("Bundle written: {folder} (manifest {manifest}).", folder=manifest.parent, manifest=manifest.name))
    print(_("On each machine: offramp migrate --silent --offline {folder}", folder=manifest.parent))
    return exitcodes.SUCCESS
