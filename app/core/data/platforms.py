"""The names of the three systems Offramp works on: as inventories store them, as people type them, as people read them.

Inventories, catalogues and playbooks use osquery's names (windows, darwin, linux). People type
`macos` on the command line and read "macOS" on a page; this module is the one place that turns one
into the other, and the one place that says which system this machine is.
"""

from __future__ import annotations

import sys

# In the order pages and exports list them.
ALL = ("windows", "darwin", "linux")
# What a person may type (the command line's choices), each to the inventory's name.
_TYPED = {"windows": "windows", "macos": "darwin", "darwin": "darwin", "linux": "linux"}
CHOICES = ("windows", "macos", "linux")  # what --help offers
_READ = {"windows": "Windows", "darwin": "macOS", "linux": "Linux"}


def this_platform() -> str:
    """This machine's platform in the inventory's words: windows, darwin or linux."""
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "darwin"
    return "linux"


def from_typed(name: str) -> str:
    """The inventory's name for what a person typed (any case); KeyError when it names no system."""
    return _TYPED[name.strip().lower()]


def typed_name(platform: str) -> str:
    """What a person types for `platform` on the command line: macos rather than darwin."""
    return "macos" if platform == "darwin" else platform


def display_name(platform: object, unknown: str = "unknown system") -> str:
    """The system's name as people read it ("macOS"); an unknown name is shown as it is."""
    text = str(platform or "")
    try:
        return _READ[from_typed(text)]
    except KeyError:
        return text or unknown
