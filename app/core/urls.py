"""What a download URL from a playbook may say: the file name it is staged under, and the URL as records keep it.

The playbook validator, the planner and the downloader all ask here, so a URL refused at validation is
exactly one the downloader could not stage.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def filename_problem(name: str) -> str | None:
    """Why `name` is not a plain file name Offramp may stage under, or None. The playbook validator asks too."""
    if not name or name in (".", ".."):
        return "it is empty, '.' or '..'"
    if name.startswith("."):
        return "it starts with '.'"
    for char, what in (("/", "'/'"), ("\\", "'\\'"), (":", "':'"), ("\0", "a NUL")):
        if char in name:
            return f"it contains {what}"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "it contains a control character"
    if len(name) > 200:
        return "it is longer than 200 characters"
    return None


def without_credentials(url: str) -> str:
    """The URL with any user:password@ taken out, everything else kept: what a plan, a state file or a report
    may hold. The download itself takes the credentials from the playbook when it runs."""
    try:
        parts = urlsplit(url)
        if "@" not in parts.netloc:
            return url
        return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()
    except ValueError:
        return "(unparsable url)"
