"""Lets the released oscrypto (a dependency of signify) load against OpenSSL 3.0.10 and later.

oscrypto 1.3.0, the newest on PyPI, finds the OpenSSL version with a pattern that allows one digit per
part, so "3.0.19" does not match and importing it fails with "Error detecting the version of libcrypto"
(wbond/oscrypto#75, fixed on its master branch, never released). On Linux that breaks signify, which
Offramp uses to check installer signatures offline. Windows and macOS use the system's own crypto
libraries and never reach that code. ``apply()`` loads oscrypto's OpenSSL binding with the upstream fix
(digits may repeat) before signify imports it; when the installed oscrypto no longer has the old pattern,
it does nothing.
"""

from __future__ import annotations

import importlib.util
import sys

# oscrypto binds OpenSSL through cffi when it is installed, else through ctypes; both carry the pattern.
_MODULES = ("oscrypto._openssl._libcrypto_cffi", "oscrypto._openssl._libcrypto_ctypes")
_OLD = "'\\\\b(\\\\d\\\\.\\\\d\\\\.\\\\d[a-z]*)\\\\b'"
_NEW = "'\\\\b(\\\\d+\\\\.\\\\d+\\\\.\\\\d+[a-z]*)\\\\b'"


def apply() -> None:
    if sys.platform in ("win32", "darwin"):
        return
    for name in _MODULES:
        _load_fixed(name)


def _load_fixed(name: str) -> None:
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except ImportError:
        return
    if spec is None or spec.origin is None or spec.loader is None:
        return
    try:
        with open(spec.origin, encoding="utf-8") as handle:
            source = handle.read()
    except OSError:
        return  # no source to read (a frozen build): import it as it is
    if _OLD not in source:
        return  # a fixed oscrypto: import it as it is
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        exec(compile(source.replace(_OLD, _NEW), spec.origin, "exec"), module.__dict__)  # noqa: S102
    except ImportError:
        del sys.modules[name]  # e.g. cffi missing: oscrypto then falls back to the other binding
    except BaseException:
        del sys.modules[name]
        raise
