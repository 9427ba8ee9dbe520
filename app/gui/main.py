"""Starts the Offramp wizard: the entry point behind `offramp-gui`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def build_wizard(args: argparse.Namespace, resume: bool = True):
    """The wizard for these arguments, resuming an unfinished migration if there is one (and `resume`)."""
    from offramp.core.migrate import records as session
    from offramp.core.wizard_flow import WizardModel
    from offramp.gui.wizard import OfframpWizard

    try:
        state = session.in_progress() if resume else None
    except session.RecordError:
        state = None  # starting a migration sets a damaged record aside, and says so
    held_by_worker = False
    if state is None and resume:
        from offramp.core.migrate import mirror
        from offramp.core.platform import elevation

        if elevation.needed(args.root):
            # Root's worker keeps this machine's record where this window cannot read it: its copy says
            # whether to offer carrying on (the worker resumes its own record, never this copy).
            state = mirror.read()
            held_by_worker = state is not None
    if state:
        code = state.support_code
    else:  # a smoke test keeps nothing: it is not a person's migration
        code = session.kept_support_code() if resume else session.new_support_code()
    model = WizardModel(
        support_code=code,
        root=args.root,
        helpdesk=args.helpdesk,
        extra_playbooks=Path(args.playbooks) if args.playbooks else None,
        allow_loopback_http=os.environ.get("OFFRAMP_ALLOW_LOOPBACK_HTTP") == "1",
        resume_state=state,
        catalogue_id=getattr(args, "catalogue", None),
        offline=offline_bundle(args),
    )
    model.worker_unfinished = held_by_worker
    started_with = state.read_options() if state else None
    if started_with and started_with.root:
        model.root = started_with.root
    if started_with and started_with.offline_dir:
        model.offline = Path(started_with.offline_dir)
    return OfframpWizard(model)


def offline_bundle(args: argparse.Namespace) -> Path | None:
    """The offline bundle to work from: --offline, else the bundle folder Offramp was started in (its own
    program, or the working folder, lies inside one), so an admin's carried folder works with a double-click."""
    if getattr(args, "offline", None):
        return Path(args.offline)
    if args.smoke_test:
        return None  # a smoke test checks the build, not the folder it was copied into
    from offramp.core.migrate.bundlefind import find_bundle

    program = Path(sys.executable if getattr(sys, "frozen", False) else sys.argv[0])
    return find_bundle([program, Path(".")])  # "." resolves to the working folder


def parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    return build_parser().parse_known_args(argv)


def build_parser() -> argparse.ArgumentParser:
    """The window's options (also the source of its manual page)."""
    parser = argparse.ArgumentParser(prog="offramp-gui", description="Offramp's guided window.")
    parser.add_argument(
        "--lang",
        metavar="LANG",
        help="the window's language (en, es, ru; default: the system's, and the first page has a menu for it)",
    )
    parser.add_argument("--helpdesk", action="store_true", help="show step numbers and technical details")
    parser.add_argument("--root", help="work on a mounted Linux or macOS system instead of this machine")
    parser.add_argument("--playbooks", metavar="DIR", help="also offer the replacement playbooks in DIR")
    parser.add_argument(
        "--offline",
        metavar="DIR",
        help="use only the replacements in this offline bundle (see 'offramp bundle create'); no network. "
        "Started from inside a bundle folder, Offramp uses that bundle by itself",
    )
    parser.add_argument(
        "--catalogue",
        metavar="ID",
        help="only this banned-product catalogue (default: all are scanned, the first one's wording is shown)",
    )
    parser.add_argument(
        "--wizard-style",
        choices=["native", "classic", "modern", "mac"],
        default="native",
        help="the wizard's look (native follows the operating system)",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="build and show the wizard, print 'ok' and quit (checks an installed or frozen build)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args, qt_args = parse(argv)
    from offramp.core import i18n

    try:
        i18n.choose(args.lang)
    except ValueError as exc:  # a usage error, as the command line gives it
        print(f"offramp-gui: {exc}", file=sys.stderr)
        return 2
    # Qt first: PySide6 itself loads logging, datetime and the rest the event log needs, so they cost
    # nothing more after it (the other way round they are paid before Qt, on the way to the first page).
    from PySide6.QtWidgets import QApplication, QWizard

    from offramp.core import eventlog, paths
    from offramp.gui import errors

    log_file = eventlog.setup(console=False)

    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("Offramp")
    if not args.smoke_test:  # a smoke test must fail with a traceback, not wait on an error dialog
        errors.install(log_file)
    # One language for the window and the core: the system's, or --lang. Qt's own words (a question's Yes and
    # No) follow it only where Offramp has a catalogue: a German "Ja" beside English text helps no one.
    from offramp.gui import language

    language.use(args.lang)
    if args.root:
        refused = root_refused(args.root)
        if refused:
            return refuse(refused, window=not args.smoke_test)
    from offramp.gui import indicators

    indicators.install(app)  # the system's style, with tick boxes that show on a dark window
    style = paths.resources_dir() / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    # A smoke test never resumes: on a machine mid-migration that would start the next step.
    wizard = build_wizard(args, resume=not args.smoke_test)
    styles = {
        "classic": QWizard.WizardStyle.ClassicStyle,
        "modern": QWizard.WizardStyle.ModernStyle,
        "mac": QWizard.WizardStyle.MacStyle,
    }
    if args.wizard_style in styles:
        wizard.setWizardStyle(styles[args.wizard_style])
    eventlog.event(
        "gui.start", "wizard started", support_code=wizard.model.support_code, resuming=bool(wizard.model.resume_state)
    )
    wizard.show()
    if args.smoke_test:
        return _smoke_test(app, wizard)
    return app.exec()


def root_refused(root: str) -> str | None:
    """Why the --root cannot be read, or None: a folder that is not a system must never read as clean."""
    from offramp.core import i18n
    from offramp.core.scan.target import TargetError, check_root

    try:
        check_root(root)
    except TargetError as exc:
        return i18n.shown(exc)
    return None


def refuse(message: str, *, window: bool = True) -> int:
    """Says, in a window and on stderr, why Offramp cannot start, and gives the usage error's exit code."""
    from PySide6.QtWidgets import QMessageBox

    from offramp.core.i18n import _

    print(f"offramp-gui: {message}", file=sys.stderr)
    if window:  # not in a smoke test, which must never wait on a dialog
        QMessageBox.critical(
            None,
            _("Offramp"),
            _("Offramp cannot look at this system.\n\n{reason}.", reason=message[:1].upper() + message[1:]),
        )
    return 2


FIRST_PAGE_SHOWN = "first page shown"


def _smoke_test(app, wizard) -> int:
    """Checks what a broken bundle would lose: the shown first page, the icon, and every later page.

    It prints "first page shown" once the first page is up and has processed its first events (the
    benchmark times the start-up to that line), checks it, then builds the pages a person would only
    reach later, so a module missing from the bundle fails here rather than in front of someone
    mid-migration, and prints "ok"."""
    from offramp.core.wizard_flow import PAGES

    app.processEvents()
    print(FIRST_PAGE_SHOWN, flush=True)  # the moment the benchmark times; what follows checks it
    problems = [
        problem
        for problem, failed in (
            ("the wizard is not visible", not wizard.isVisible()),
            ("the first page is missing", wizard.currentPage() is None),
            ("the window icon did not load", wizard.windowIcon().pixmap(32).isNull()),
        )
        if failed
    ]
    if not problems:
        for name in PAGES:
            wizard.page_named(name)  # raises (a traceback, exit 1) when its module is missing
    wizard.close()
    for problem in problems:
        print(f"smoke test: {problem}", file=sys.stderr)
    if not problems:
        print("ok", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
