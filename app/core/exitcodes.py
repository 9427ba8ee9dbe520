"""Exit codes of silent mode, chosen so Intune, ConfigMgr and scripts act on them without a lookup table.

The Windows Installer codes mean what admins already know; Offramp's own failures sit in a small
documented range that no Windows Installer code uses.
"""

from __future__ import annotations

SUCCESS = 0  # also when there was nothing to do
FOUND = 1  # `scan` and `fleet scan` only: banned software or its leftovers were found
JOURNAL_CHANGED = 1  # `journal verify` only: a line of the journal was changed
UPDATE_REFUSED = 1  # `playbooks update` only: the update repository was refused or unreachable
NOT_ALL_FINISHED = 1  # `fleet report` only: some migration did not finish
NOTHING_PENDING = 1  # `resume --pending` only: no unfinished migration is recorded
REBOOT_REQUIRED = 3010  # finished so far; a restart is needed and the resume is registered
REBOOT_STARTED = 1641  # Offramp started the restart itself
RETRY_LATER = 1618  # another installation is in progress
CANCELLED = 1602  # cancelled by a person or a policy
FAILURE = 1603  # a failure not listed below

# Offramp-specific failures (admins: documented in README.md).
USAGE = 2  # bad arguments, a bad playbook or policy file
NOT_ELEVATED = 20  # needs administrator / root rights
PREFLIGHT_FAILED = 21  # disk space, unsupported system, replacement not offered for this OS
DOWNLOAD_FAILED = 22  # the replacement could not be downloaded (network, HTTP error)
HASH_MISMATCH = 23  # the downloaded file is not the one the playbook pins: nothing was run
UNINSTALL_BLOCKED = 24  # a password or self-defence blocked the removal
UNINSTALL_FAILED = 25  # the vendor's uninstaller failed or hung
INSTALL_FAILED = 26  # the replacement's installer failed
NOT_PROTECTING = 27  # the replacement is installed but not protecting
STILL_FOUND = 28  # the final rescan still finds the banned product
NEEDS_PERSON = 29  # a step needs a person (guided install, interactive uninstaller) in silent mode
RECORD_DAMAGED = 30  # the saved state or journal was damaged (kept aside) or is from a newer Offramp
RECORDS_INACCESSIBLE = 31  # the state folder cannot be read or written (full, read-only)
SIGNER_MISMATCH = 32  # the installer is not signed by the signer its playbook pins (or unsigned): nothing was run

# Any command.
INTERNAL = 70  # sysexits' EX_SOFTWARE: a bug in Offramp, distinct from every documented outcome
INTERRUPTED = 130  # Ctrl+C, as a shell reports a process ended by SIGINT


def N_(text: str) -> str:
    """Marks a text for the translation catalogue without translating it: these words are shown through
    offramp.core.i18n.shown(), and this module stays one that `offramp --help` can import for nothing."""
    return text


DESCRIPTIONS = {
    SUCCESS: N_("success"),
    REBOOT_REQUIRED: N_("restart required; Offramp resumes after it"),
    REBOOT_STARTED: N_("restart started"),
    RETRY_LATER: N_("another installation is in progress; try again later"),
    CANCELLED: N_("cancelled"),
    FAILURE: N_("failed"),
    USAGE: N_("usage or input error"),
    NOT_ELEVATED: N_("needs administrator rights"),
    PREFLIGHT_FAILED: N_("the machine is not ready (see the report)"),
    DOWNLOAD_FAILED: N_("the replacement could not be downloaded"),
    HASH_MISMATCH: N_("the download did not match the playbook's SHA-256; nothing was run"),
    SIGNER_MISMATCH: N_("the installer is not signed by the publisher the playbook pins; nothing was run"),
    UNINSTALL_BLOCKED: N_("removal blocked by a password or self-defence"),
    UNINSTALL_FAILED: N_("the uninstaller failed"),
    INSTALL_FAILED: N_("the replacement's installer failed"),
    NOT_PROTECTING: N_("the replacement is installed but not protecting"),
    STILL_FOUND: N_("banned software is still present after removal"),
    NEEDS_PERSON: N_("a step needs a person at the machine"),
    RECORD_DAMAGED: N_("the migration's saved record was damaged (kept aside) or is from a newer Offramp"),
    RECORDS_INACCESSIBLE: N_("the migration's record cannot be written (disk full or read-only)"),
    INTERNAL: N_("internal error (the details are in the log)"),
    INTERRUPTED: N_("interrupted"),
}
