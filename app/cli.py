"""Offramp's command line: the silent/admin front end. Parses arguments and hands off to offramp.commands.

Each command's options are defined beside its handler (`register` in app/commands/<name>.py); this module
builds the top-level parser and turns an unexpected error into one line and exit code 70. Heavy imports
(Qt, requests, psutil, jsonschema) happen inside the handlers, never here, so `offramp --help` and
argument errors answer at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from offramp import __version__
from offramp.core import exitcodes


def build_parser() -> argparse.ArgumentParser:
    # Each command module registers its own sub-parsers beside its handlers. It imports only the standard
    # library at the top, and its handlers import the core when they run, so the whole parser stays cheap.
    from offramp.commands import bundle, export, fleet, journal, migrate, playbooks, scan, timeline, walkthrough

    parser = argparse.ArgumentParser(
        prog="offramp",
        description="Find banned software (the products its catalogues name), remove it cleanly, install a "
        "replacement you chose and prove the machine is protected again.",
        epilog="Exit status: 0 success, 1 banned software found (scan), 2 usage or input error, "
        "70 internal error. Run 'offramp COMMAND --help' for each command.",
    )
    parser.add_argument("--version", action="version", version=f"offramp {__version__}")
    parser.add_argument(
        "--log-file",
        type=Path,
        metavar="FILE",
        help="write the JSON Lines event log here instead of the per-user log folder",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also print debug messages to the terminal")
    parser.add_argument(
        "--lang",
        metavar="LANG",
        help="the language of what Offramp says (en, es, ru; default: the system's). JSON, exit codes and the "
        "log stay in English",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # In the order --help lists them.
    for module in (playbooks, timeline, scan, migrate, bundle, journal, walkthrough, fleet, export):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return exitcodes.USAGE
    from offramp.core import eventlog, i18n, paths
    from offramp.core.i18n import _

    try:
        # A page's own --lang (walkthrough, report) wins over the top-level one for everything the command says.
        i18n.set_language(getattr(args, "page_lang", None) or args.lang)
    except ValueError as exc:
        print(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.USAGE
    try:
        paths.check_override()  # before any file is written: an elevated run trusts only root's folders
    except paths.UntrustedFolder as exc:
        print(_("offramp: {problem}", problem=exc), file=sys.stderr)
        return exitcodes.USAGE
    log_file = eventlog.setup(args.log_file, verbose=args.verbose)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print(_("interrupted"), file=sys.stderr)
        return exitcodes.INTERRUPTED
    except BrokenPipeError:
        return exitcodes.SUCCESS
    except Exception as exc:  # the last line of defence: words for the user, the traceback for the log
        # Looked up, not imported: the validator brings the YAML parser, which a normal scan never needs, and
        # an InvalidPlaybook can only come from a validator that is already loaded.
        validation = sys.modules.get("offramp.core.data.validation")
        if validation is not None and isinstance(exc, validation.InvalidPlaybook):
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            return exitcodes.USAGE
        # A --root that holds no system is the person's input, whichever command met it first.
        target = sys.modules.get("offramp.core.scan.target")
        if target is not None and isinstance(exc, target.TargetError):
            print(_("offramp: {problem}", problem=exc), file=sys.stderr)
            return exitcodes.USAGE
        # Looked up the same way: a wheel or package without its shipped data is a broken install, said loudly.
        shipped = sys.modules.get("offramp.core.data.shipped")
        if shipped is not None and isinstance(exc, shipped.ShippedDataMissing):
            eventlog.get().error(str(exc), extra={"event": "install.incomplete", "console": False})
            print(_("offramp: {problem}", problem=exc), file=sys.stderr)
            return exitcodes.INTERNAL
        eventlog.get().exception("unexpected error", extra={"event": "internal.error", "console": False})
        print(
            _(
                "offramp: internal error: {error}: {problem}\nThe details are in the log: {log}",
                error=exc.__class__.__name__,
                problem=exc,
                log=log_file,
            ),
            file=sys.stderr,
        )
        return exitcodes.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
