"""Reads the wizard's accessibility tree over AT-SPI, as a screen reader does; run by the system Python.

`dbus-run-session -- python3 tests/gui/atspi_walk.py VENV_PYTHON PAGE [driver args]` starts a virtual X
display, the wizard on PAGE (tests/gui/atspi_driver.py, under the project's Python) with Qt's AT-SPI
bridge on, and prints the tree of the application called Offramp as JSON: role, name, description,
states. pyatspi comes from the distribution (python3-pyatspi), which is why this half runs outside the
project's virtual environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pyatspi  # type: ignore[import-not-found]  # the distribution's, for the system Python


def node(accessible, depth: int) -> list[dict]:
    states = accessible.getState()
    here = {
        "depth": depth,
        "role": accessible.getRoleName(),
        "name": accessible.name,
        "description": accessible.description,
        "showing": states.contains(pyatspi.STATE_SHOWING),
        "focusable": states.contains(pyatspi.STATE_FOCUSABLE),
    }
    found = [here]
    for index in range(accessible.childCount):
        child = accessible.getChildAtIndex(index)
        if child is not None:
            found += node(child, depth + 1)
    return found


def offramp():
    desktop = pyatspi.Registry.getDesktop(0)
    return next(
        (a for a in (desktop.getChildAtIndex(i) for i in range(desktop.childCount)) if a and a.name == "Offramp"),
        None,
    )


def main(argv: list[str]) -> int:
    python, page, *extra = argv
    offramp()  # starts the registry before the wizard, so the wizard registers with it as it starts
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24"], pass_fds=[write])
    os.close(write)
    with os.fdopen(read) as displayfd:
        display = displayfd.readline().strip()  # Xvfb writes it once it accepts connections
    env = {
        **os.environ,
        "DISPLAY": f":{display}",
        "QT_QPA_PLATFORM": "xcb",
        "QT_ACCESSIBILITY": "1",
        "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
    }
    wizard = subprocess.Popen(
        [python, "-m", "tests.gui.atspi_driver", page, *extra],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert wizard.stdout is not None and wizard.stdout.readline().strip() == "ready"
        app = offramp()
        if app is None:
            print("the wizard is not on the AT-SPI bus", file=sys.stderr)
            return 1
        print(json.dumps(node(app, 0)))
    finally:
        if wizard.stdin:
            wizard.stdin.close()
        wizard.wait(timeout=30)
        xvfb.terminate()
        xvfb.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
