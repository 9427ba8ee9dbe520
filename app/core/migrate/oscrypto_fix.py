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

_MODULE = "oscrypto._openssl._libcrypto_ctypes"
_OLD = "'\\\\b(\\\\d\\\\.\\\\d\\\\.\\\\d[a-z]*)\\\\b'"
_NEW = "'\\\\b(\\\\d+\\\\.\\\\d+\\\\.\\\\d+[a-z]*)\\\\b'"


def apply() -> None:
    if _MODULE in sys.modules or sys.platform in ("win32", "darwin"):
        return
    spec = importlib.util.find_spec(_MODULE)
    if spec is None or spec.origin is None or spec.loader is None:
        return
    with open(spec.origin, encoding="utf-8") as handle:
        source = handle.read()
    if _OLD not in source:
        return  # a fixed oscrypto: import it as it is
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE] = module
    try:
        exec(compile(source.replace(_OLD, _NEW), spec.origin, "exec"), module.__dict__)  # noqa: S102
    except BaseException:
        del sys.modules[_MODULE]
        raise
