"""The Intune and ConfigMgr files read as data: their command lines, the scripts' exit codes and Offramp calls.

integrations/windows/command-lines.yaml holds the install and uninstall command lines the READMEs quote, and
each script's exit codes. The PowerShell scripts call Offramp as ``& $offramp ARGS``; ``offramp_calls``
reads those calls and gives each variable the value the script assigns it (a ``param`` default, or
``Join-Path $env:NAME 'rest'``), so a test can run exactly what the script would run. Only those two forms
are understood: a script that builds an argument any other way fails the reading, and a test with it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["WINDOWS", "OfframpCall", "command_lines", "offramp_calls", "return_codes", "scripts"]

WINDOWS = Path(__file__).resolve().parents[2] / "integrations" / "windows"
_CALL = re.compile(r"& \$offramp ([^\n*|]+)")
_PARAM = re.compile(r"\[string\]\$(\w+)\s*=\s*'([^']*)'")
_JOIN = re.compile(r"^\$(\w+)\s*=\s*Join-Path \$env:(\w+) '([^']*)'\s*$", re.M)


@dataclass(frozen=True)
class OfframpCall:
    """One ``& $offramp ...`` in a script: the arguments with the script's values put in."""

    script: str  # relative to integrations/windows, with forward slashes
    args: tuple[str, ...]


def command_lines() -> dict[str, Any]:
    return dict(yaml.safe_load((WINDOWS / "command-lines.yaml").read_text(encoding="utf-8")))


def scripts() -> dict[str, dict[str, Any]]:
    return dict(command_lines()["scripts"])


def return_codes() -> dict[int, dict[str, Any]]:
    return {row["code"]: row for row in yaml.safe_load((WINDOWS / "return-codes.yaml").read_text(encoding="utf-8"))}


def _values(text: str, env: Mapping[str, str]) -> dict[str, str]:
    """The script's variables that hold a fixed value, by lower-cased name (PowerShell ignores case)."""
    found = {name.casefold(): value for name, value in _PARAM.findall(text)}
    for name, variable, rest in _JOIN.findall(text):
        found[name.casefold()] = env[variable].rstrip("\\") + "\\" + rest
    return found


def offramp_calls(env: Mapping[str, str]) -> list[OfframpCall]:
    """Every Offramp call in every script; ``env`` gives the Windows variables (ProgramFiles, ProgramData)."""
    calls = []
    for path in sorted(WINDOWS.rglob("*.ps1")):
        text = path.read_text(encoding="utf-8")
        values = _values(text, env)
        for line in _CALL.findall(text):
            # posix=False: a Windows path's backslashes are not escapes.
            words = shlex.split(line, posix=False)
            unknown = [w for w in words if w.startswith("$") and w[1:].casefold() not in values]
            if unknown:
                raise ValueError(f"{path.name}: cannot tell what {', '.join(unknown)} holds in '& $offramp {line}'")
            args = tuple(values[w[1:].casefold()] if w.startswith("$") else w for w in words)
            calls.append(OfframpCall(path.relative_to(WINDOWS).as_posix(), args))
    return calls
