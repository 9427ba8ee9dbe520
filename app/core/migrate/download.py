"""Staging a replacement installer: download it over HTTPS, resume when the network drops, verify it.

Offramp removes the banned product only after the replacement's installer is already on disk and
verified, so a machine that loses its network half-way is never left without protection. This module
is that first step. The rules, and why each one exists:

* HTTPS only, re-checked on every redirect hop (we follow redirects ourselves), so neither the playbook
  nor a redirect can downgrade to plain HTTP. The one exception is ``allow_loopback_http`` for test
  servers on 127.0.0.0/8, ::1 or localhost; it never allows a non-loopback host.
* The body goes to ``<dest_dir>/<name>.part`` in a private directory (0700, file 0600) and is hashed
  while it streams. By default ``<name>`` is the SHA-256 itself: a file name without an extension can't
  be launched by double-click or ShellExecute before it has been verified (winget does the same).
* Size limits are enforced before and while reading, so a hostile or broken server can't fill the disk.
* urllib3's ``Retry`` does not retry a body that breaks off half-way (measured, see psf/requests#4568),
  so this module owns the retry loop: ``Range`` + ``If-Range`` to resume, restart from zero when the
  server answers 200, back off exponentially between attempts. An attempt that moved the download
  forward does not use up the retry budget, so a large installer on a flaky link still finishes; an
  overall deadline (``total_timeout``) bounds the whole thing, because the read timeout only measures
  silence and a server that trickles one byte at a time would otherwise never time out.
* A stalled transfer fails like a dropped one: fewer than ``stall_bytes`` in any ``stall_timeout``
  seconds (curl's --speed-limit/--speed-time) ends the attempt, and such an attempt never renews the
  retry budget, so a server dripping a byte a second ends in the same error as one that keeps dropping.
* A caller that can vouch for a file another way (its pinned signer) passes ``vouch``: a complete file
  whose SHA-256 differs is then handed to it, and kept only if it does not raise.
* Only a file whose SHA-256 matches (or was vouched for) is renamed to its final name (after fsync);
  every failure deletes the ``.part`` so nothing half-downloaded or unverified is left behind.

Nothing here runs the file. Callers call ``verify_file`` again right before they launch an installer.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from offramp import __version__
from offramp.core import atomicfile, eventlog
from offramp.core.urls import filename_problem

if TYPE_CHECKING:  # requests is imported lazily: `import offramp.core.migrate.download` must stay cheap for the CLI.
    import requests

__all__ = ["KINDS", "DownloadError", "download", "verify_file"]

KINDS = frozenset(
    {"insecure-url", "http-status", "network", "too-large", "size-mismatch", "hash-mismatch", "cancelled"}
)

MAX_REDIRECTS = 5
CHUNK_SIZE = 64 * 1024
PROGRESS_INTERVAL = 0.05  # seconds: at most ~20 progress calls a second, enough for a smooth bar
MAX_BACKOFF = 30.0  # seconds: a longer pause looks like a hang to the person watching
MAX_RETRY_AFTER = 60.0  # seconds: honour a server's Retry-After, but not an hour-long one
DEFAULT_TOTAL_TIMEOUT = 3600.0  # seconds: a 1 GB installer at ~2.5 Mbit/s; see the module docstring
DEFAULT_STALL_TIMEOUT = 60.0  # seconds a transfer may go without moving STALL_BYTES forward
STALL_BYTES = 1024
_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(?:(\d+)-(\d+)|\*)\s*/\s*(\d+|\*)\s*$", re.IGNORECASE)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class DownloadError(Exception):
    """A download that failed for good; ``kind`` is one of ``KINDS`` and the message says what to do."""

    def __init__(self, kind: str, message: str, *, url: str = "", status: int | None = None) -> None:
        assert kind in KINDS, kind
        super().__init__(message)
        self.kind = kind
        self.url = _redact(url) if url else ""  # callers log errors: keep tokens in query strings out
        self.status = status

    @property
    def message(self) -> str:
        return str(self.args[0])


class _Retry(Exception):
    """An attempt failed in a way that another attempt may fix (dropped connection, 5xx, 429)."""

    def __init__(
        self,
        reason: str,
        *,
        kind: str = "network",
        status: int | None = None,
        retry_after: float | None = None,
        stalled: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.stalled = stalled
        self.kind = kind
        self.status = status
        self.retry_after = retry_after


# --- helpers that need no network ---------------------------------------------------------------------


def verify_file(path: Path, sha256: str) -> bool:
    """True when ``path`` is a regular file whose SHA-256 equals ``sha256`` (hex, any case).

    Streams the file, so it is cheap on memory for large installers; compares in constant time. A symlink
    is not followed and a FIFO is not waited on: both are simply not the file.
    """
    _check_sha256(sha256)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return False
        with open(fd, "rb") as handle:
            digest = hashlib.sha256()
            while block := handle.read(1024 * 1024):
                digest.update(block)
    except OSError:
        return False
    return _same_digest(digest.hexdigest(), sha256)


def _same_digest(actual_hex: str, expected_hex: str) -> bool:
    # compare_digest keeps the comparison time independent of where the strings differ.
    return hmac.compare_digest(actual_hex.lower().encode("ascii"), expected_hex.lower().encode("ascii"))


def _check_sha256(sha256: str) -> None:
    if not isinstance(sha256, str) or not _SHA256_HEX.match(sha256):
        raise ValueError(f"sha256 must be 64 hexadecimal characters, got {sha256!r}")


def _check_filename(name: str) -> None:
    # The name comes from a playbook; it must stay inside dest_dir and be an ordinary file name.
    problem = filename_problem(name)
    if problem:
        raise ValueError(f"filename must be a plain file name without directories, got {name!r}: {problem}")


def _is_loopback_host(host: str) -> bool:
    host = host.rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback  # 127.0.0.0/8 and ::1; no DNS lookup is made
    except ValueError:
        return False


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or "(no host)"
    except ValueError:
        return "(unparsable url)"


def _redact(url: str) -> str:
    """The URL for logs and messages: no user:password@ and no query string (signed CDN links put
    tokens there), but enough to recognise which file was meant."""
    try:
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if ":" in netloc:
            netloc = f"[{netloc}]"
        if parts.port is not None:
            netloc += f":{parts.port}"
    except ValueError:
        return "(unparsable url)"
    return f"{parts.scheme}://{netloc}{parts.path}" + ("?…" if parts.query else "")


def _check_url(url: str, allow_loopback_http: bool, *, redirected_from: str | None = None) -> None:
    """Raises DownloadError("insecure-url") unless the URL may be fetched; never touches the network."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        raise DownloadError(
            "insecure-url",
            f"The download address {url!r} is not a valid URL ({exc}). Fix the url in the playbook.",
            url=url,
        ) from None
    scheme = parts.scheme.lower()
    origin = f" (redirected from {_redact(redirected_from)})" if redirected_from else ""
    if not host:
        problem = "it has no host name"
    elif scheme == "https":
        return
    elif scheme == "http":
        # Never step down from HTTPS to HTTP, not even on loopback: the test switch is for test servers
        # that speak plain HTTP from the start, not for weakening a real HTTPS download.
        downgrade = redirected_from is not None and urlsplit(redirected_from).scheme.lower() == "https"
        if allow_loopback_http and _is_loopback_host(host) and not downgrade:
            return
        problem = "it is plain HTTP, which anyone on the network path can alter"
        if downgrade:
            problem = "an HTTPS server redirected to plain HTTP, which anyone on the network path can alter"
    else:
        problem = f"the scheme {scheme or '(none)'!r} is not HTTPS"
    advice = "Offramp only downloads installers over HTTPS: " + (
        "the vendor may have moved the file; check the vendor's site for an https:// link and update the "
        "playbook's url."
        if redirected_from
        else "fix the playbook's url (it must start with https://)."
    )
    raise DownloadError("insecure-url", f"Refusing to download {_redact(url)}{origin}: {problem}. {advice}", url=url)


def _parse_content_range(value: str | None) -> tuple[int | None, int | None]:
    """(first byte, complete length) from a Content-Range header; None for what is absent or '*'."""
    match = _CONTENT_RANGE.match(value or "")
    if not match:
        return None, None
    first = int(match.group(1)) if match.group(1) is not None else None
    total = int(match.group(3)) if match.group(3) != "*" else None
    return first, total


def _retry_after(value: str | None) -> float | None:
    # Only the delta-seconds form; an HTTP date is rare for downloads and the backoff covers it.
    if value and value.strip().isdigit():
        return min(float(value.strip()), MAX_RETRY_AFTER)
    return None


def _prepare_dir(dest_dir: Path) -> None:
    from offramp.core import paths

    # 0700 whatever the umask, ours, and (elevated) under folders only root can change: only we may plant
    # or swap files where installers are staged.
    paths.private_dir(dest_dir)


def _open_part(part: Path) -> IO[bytes]:
    """Opens (or creates) the .part for reading and writing, mode 0600, refusing to follow a symlink."""
    _refuse_folder(part)
    if part.is_symlink() or (part.exists() and not part.is_file()):
        part.unlink()  # something that is not our file sits at our name: it is not a resumable download
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(part, flags, 0o600)
    if os.name != "nt":
        os.fchmod(fd, 0o600)  # a leftover from an older run may have been created with another mode
    return os.fdopen(fd, "r+b")


def _refuse_folder(path: Path) -> None:
    # A folder at one of our file names is not removed (one place deletes folders, and not this one): say so.
    if not path.is_symlink() and path.is_dir():
        from offramp.core.paths import NotARegularFile

        raise NotARegularFile(
            21, "a folder sits at the name of the staged installer; remove it and try again", str(path)
        )


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        # Cleanup runs while another error is being raised; don't let it hide that error, but say so.
        eventlog.event("download.failed", f"could not delete {path}: {exc}", level=logging.WARNING, path=str(path))


# --- the transfer ---------------------------------------------------------------------------------------


class _Transfer:
    """State of one download() call: the .part file, its running hash and how the server can resume it."""

    def __init__(
        self,
        url: str,
        part: Path,
        handle: IO[bytes],
        *,
        sha256: str,
        max_size: int,
        expected_size: int | None,
        progress: Callable[[int, int | None], None] | None,
        cancelled: Callable[[], bool] | None,
        allow_loopback_http: bool,
        proxies: dict[str, str] | None,
        timeout: tuple[float, float],
        deadline: float | None,
        total_timeout: float | None,
        stall_timeout: float | None = None,
        stall_bytes: int = STALL_BYTES,
        vouch: Callable[[Path], str] | None = None,
    ) -> None:
        self.url = url
        self.vouch = vouch
        self.vouched_by: str | None = None
        self.host = _host(url)
        self.part = part
        self.handle = handle
        self.sha256 = sha256
        self.max_size = max_size
        self.expected_size = expected_size
        self.progress = progress
        self.cancelled = cancelled
        self.allow_loopback_http = allow_loopback_http
        self.proxies = proxies
        self.timeout = timeout
        self.deadline = deadline
        self.total_timeout = total_timeout
        self.stall_timeout = stall_timeout
        self.stall_bytes = stall_bytes
        self._window = (0.0, 0)  # (when the current stall window began, bytes we had then)
        self.hasher = hashlib.sha256()
        self.have = 0
        self.total: int | None = expected_size
        self.validator: str | None = None  # ETag or Last-Modified of the response the .part came from
        self.strong_validator = False
        self.resumable = True  # False once a server compresses the body: byte offsets then mean nothing
        # True when bytes were joined without a strong ETag (leftover .part, or a server without one):
        # then a hash mismatch may be our own splice, and one clean download from zero is worth trying.
        self.unsafe_join = False
        self.requests = 0
        self.restarts = 0
        self._last_progress = 0.0

    # -- bookkeeping

    def adopt_leftover(self) -> None:
        """Takes over a .part left by an earlier process: hash what is on disk, or drop it if unusable."""
        size = os.fstat(self.handle.fileno()).st_size
        limit = self.max_size if self.expected_size is None else min(self.max_size, self.expected_size)
        if size > limit:
            self.restart()
            return
        self.handle.seek(0)
        # Re-hash from disk: the earlier process's hash state died with it, and the final hash must
        # always cover the whole file, never only the part fetched now.
        while block := self.handle.read(1024 * 1024):
            self.hasher.update(block)
        self.have = self.handle.tell()
        if self.have:
            self.unsafe_join = True  # we don't know which version of the file these bytes came from

    def restart(self) -> None:
        """Throws away what we have and starts again from byte 0."""
        self.handle.seek(0)
        self.handle.truncate()
        self.hasher = hashlib.sha256()
        self.have = 0
        self.validator = None
        self.strong_validator = False
        self.unsafe_join = False
        self.restarts += 1

    def check_cancelled(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise DownloadError(
                "cancelled",
                f"The download from {self.host} was cancelled; the partial file "
                "was deleted. Start it again when you are ready.",
                url=self.url,
            )

    def check_deadline(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise DownloadError(
                "network",
                f"The download from {self.host} did not finish within {self.total_timeout:g} s "
                f"({self.have} bytes received). The connection is too slow or the server is trickling data; "
                "check the network and the proxy, or try again on a faster connection.",
                url=self.url,
            )

    def start_window(self) -> None:
        self._window = (time.monotonic(), self.have)

    def check_stall(self) -> None:
        if self.stall_timeout is None:
            return
        began, had = self._window
        now = time.monotonic()
        if now - began < self.stall_timeout:
            return
        if self.have - had < self.stall_bytes:
            raise _Retry(
                f"the transfer stalled ({self.have - had} bytes in {now - began:.1f} s)",
                stalled=True,
            )
        self._window = (now, self.have)

    def report(self, *, final: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if final or now - self._last_progress >= PROGRESS_INTERVAL:
            self._last_progress = now
            self.progress(self.have, self.have if final else self.total)

    def digest_matches(self) -> bool:
        return _same_digest(self.hasher.hexdigest(), self.sha256)

    def too_large(self, size: int, *, declared: bool) -> DownloadError:
        what = f"announced {size} bytes" if declared else f"sent more than {self.max_size} bytes"
        return DownloadError(
            "too-large",
            f"{self.host} {what} for {_redact(self.url)}, above the limit of {self.max_size} "
            "bytes, so the download was stopped. The server is not serving the expected installer, or the "
            "playbook's size is out of date (check the vendor's site and update size and sha256).",
            url=self.url,
        )

    def size_mismatch(self, size: int, *, declared: bool) -> DownloadError:
        what = "announced" if declared else "sent"
        return DownloadError(
            "size-mismatch",
            f"{self.host} {what} {size} bytes for {_redact(self.url)} but the playbook "
            f"expects {self.expected_size}. The vendor has probably published a new version: check the "
            "vendor's site and update the playbook's size and sha256.",
            url=self.url,
        )

    def check_size(self, size: int, *, declared: bool) -> None:
        if size > self.max_size:
            raise self.too_large(size, declared=declared)
        if self.expected_size is not None and size > self.expected_size:
            raise self.size_mismatch(size, declared=declared)

    # -- one attempt

    def attempt(self, session: requests.Session) -> None:
        """Fetches what is missing. Returns when the body is complete; raises _Retry or DownloadError."""
        import requests
        import urllib3

        if self.have and not self.resumable:
            self.restart()
        headers = {"Accept-Encoding": "identity"}  # offsets and hashes refer to the file's own bytes
        sent_if_range = False
        if self.have:
            headers["Range"] = f"bytes={self.have}-"
            if self.validator:
                headers["If-Range"] = self.validator
                sent_if_range = self.strong_validator
        try:
            with self._get(session, headers) as response:
                self._receive(response, sent_if_range=sent_if_range)
        except requests.exceptions.SSLError as exc:
            # Retrying won't fix a certificate. Offramp already trusts the system's store (https.py), so on a
            # managed network the inspecting proxy's root CA is missing from that store too.
            raise DownloadError(
                "network",
                f"The TLS certificate of {self.host} could not be verified ({_short(exc)}). "
                "On a managed network a TLS-inspecting proxy is the usual cause: its root certificate must be "
                "in this computer's certificate store (ask IT), or named by REQUESTS_CA_BUNDLE. Offramp never "
                "downloads without checking the certificate.",
                url=self.url,
            ) from None
        except requests.exceptions.ProxyError as exc:
            raise _Retry(f"proxy error: {_short(exc)}") from None
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
            urllib3.exceptions.HTTPError,
        ) as exc:
            # Connecting: requests' exceptions. Mid-body (we read urllib3 directly, see _body_chunks): a body
            # cut short is urllib3's ProtocolError/IncompleteRead, a stall its ReadTimeoutError. All of
            # these are what resuming is for.
            raise _Retry(_short(exc)) from None

    def _get(self, session: requests.Session, headers: dict[str, str]) -> requests.Response:
        """GET with redirects followed by hand, so every hop is checked before we connect to it."""
        current = self.url
        for _hop in range(MAX_REDIRECTS + 1):
            self.check_cancelled()
            self.requests += 1
            response = session.get(
                current, headers=headers, stream=True, allow_redirects=False, timeout=self.timeout, proxies=self.proxies
            )
            if response.status_code not in _REDIRECTS or "Location" not in response.headers:
                return response
            target = urljoin(current, response.headers["Location"])
            response.close()
            _check_url(target, self.allow_loopback_http, redirected_from=current)
            current = target
        raise DownloadError(
            "http-status",
            f"{self.host} redirected more than {MAX_REDIRECTS} times for "
            f"{_redact(self.url)}. The download link is broken or loops; check the vendor's "
            "site for the current installer and update the playbook's url.",
            url=self.url,
        )

    def _receive(self, response: requests.Response, *, sent_if_range: bool) -> None:
        status = response.status_code
        asked_from = self.have
        if status == 416 and asked_from:
            # "Range not satisfiable": usually the .part is already complete. The hash decides.
            if self.digest_matches():
                return
            self.restart()
            raise _Retry("the server refused to resume (416); starting over")
        if status == 429 or 500 <= status <= 599:
            raise _Retry(
                f"HTTP {status} {response.reason or ''}".strip(),
                kind="http-status",
                status=status,
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status not in (200, 206):
            raise self._final_status(status, response.reason)

        encoded = response.headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity")
        length = response.headers.get("Content-Length")
        body_length = int(length) if length and length.strip().isdigit() and not encoded else None
        if status == 206:
            first, complete = _parse_content_range(response.headers.get("Content-Range"))
            if encoded or first != asked_from:
                # A range we didn't ask for (or one of compressed bytes) can't be appended safely.
                self.restart()
                raise _Retry(f"the server resumed at the wrong offset ({first} instead of {asked_from}); starting over")
            if asked_from and not sent_if_range:
                self.unsafe_join = True
            self.total = complete if complete is not None else self.expected_size
        else:
            if asked_from:
                # The server ignored Range, or If-Range told it the file changed: it sent the whole file,
                # so what we have is stale. Start over rather than append duplicate bytes.
                self.restart()
                eventlog.event(
                    "download.retry",
                    f"{self.host} sent the whole file again; starting from zero",
                    url=_redact(self.url),
                    reason="range-ignored-or-file-changed",
                )
            self.total = body_length if body_length is not None else self.expected_size
        if encoded:
            self.resumable = False
        etag = response.headers.get("ETag")
        if status == 200 or not self.validator:
            if etag and not etag.startswith("W/"):  # a weak ETag must not be used with If-Range
                self.validator, self.strong_validator = etag, True
            else:
                self.validator, self.strong_validator = response.headers.get("Last-Modified"), False
        if self.total is not None:
            self.check_size(self.total, declared=True)
            if self.expected_size is not None and self.total != self.expected_size:
                raise self.size_mismatch(self.total, declared=True)

        received = 0
        self.report()
        self.start_window()
        for chunk in _body_chunks(response):
            self.check_size(self.have + len(chunk), declared=False)  # before writing: never exceed
            self.handle.write(chunk)
            self.hasher.update(chunk)
            self.have += len(chunk)
            received += len(chunk)
            self.report()
            self.check_cancelled()
            self.check_deadline()
            self.check_stall()
        if body_length is not None and received < body_length:
            # urllib3 normally raises for this itself; this covers a transport that ends quietly.
            raise _Retry(f"the connection closed after {received} of {body_length} bytes")
        framed = body_length is not None or "chunked" in response.headers.get("Transfer-Encoding", "").lower()
        if not framed and self.expected_size is not None and self.have < self.expected_size:
            # Without Content-Length or chunking, a dropped connection looks like a clean end.
            raise _Retry(f"the connection closed after {self.have} of {self.expected_size} bytes")

    def _final_status(self, status: int, reason: str | None) -> DownloadError:
        label = f"HTTP {status}" + (f" ({reason})" if reason else "")
        if status in (401, 403, 404, 410):
            advice = (
                "The download link in the playbook is probably out of date: check the vendor's site "
                "for the current installer and update the playbook's url, size and sha256."
            )
        elif status == 407:
            advice = "The proxy wants credentials: check the proxy settings (HTTPS_PROXY) with IT."
        else:
            advice = "Check the playbook's url and try again; if it persists, report it with this message."
        return DownloadError(
            "http-status",
            f"{self.host} answered {label} for {_redact(self.url)}. {advice}",
            url=self.url,
            status=status,
        )

    # -- the whole download

    def run(self, session: requests.Session, *, attempts: int, backoff: float) -> None:
        """Attempts until the .part holds a file with the right hash, or raises DownloadError."""
        failures = 0
        furthest = self.have
        fresh_start_used = False
        if self.expected_size is not None and self.have == self.expected_size and self.digest_matches():
            return  # a crash hit between the last byte and the rename: nothing left to fetch
        while True:
            self.check_cancelled()
            self.check_deadline()
            try:
                self.attempt(session)
            except _Retry as retry:
                if self.have > furthest:
                    # Progress starts the retry budget over, unless it was a trickle: a stalled attempt, or
                    # one that moved less than a stall window's worth before the line went quiet.
                    if not retry.stalled and self.have - furthest >= self.stall_bytes:
                        failures = 0
                    furthest = self.have
                failures += 1
                if failures >= attempts:
                    raise self._exhausted(retry, attempts) from None
                delay = (
                    retry.retry_after
                    if retry.retry_after is not None
                    else min(backoff * 2 ** (failures - 1), MAX_BACKOFF)
                )
                eventlog.event(
                    "download.retry",
                    f"{self.host}: {retry.reason}; retrying in {delay:.2f} s",
                    url=_redact(self.url),
                    attempt=failures + 1,
                    reason=retry.reason,
                    resume_from=self.have,
                    delay=round(delay, 3),
                    status=retry.status,
                )
                self._pause(delay)
                continue
            if self.expected_size is not None and self.have != self.expected_size:
                raise self.size_mismatch(self.have, declared=False)  # a complete response, just shorter
            if self.digest_matches():
                return
            if self.unsafe_join and not fresh_start_used:
                # The mismatch may be our own doing (bytes of two versions spliced together); a clean
                # download from zero settles it at the cost of one extra transfer.
                fresh_start_used = True
                eventlog.event(
                    "download.retry",
                    f"{self.host}: hash mismatch after resuming without a strong ETag; downloading again from zero",
                    url=_redact(self.url),
                    reason="hash-mismatch-after-resume",
                    resume_from=0,
                )
                self.restart()
                failures, furthest = 0, 0
                continue
            if self.vouch is not None:
                self.handle.flush()
                self.vouched_by = self.vouch(self.part)  # raises to refuse; the .part is then deleted
                return
            raise DownloadError(
                "hash-mismatch",
                f"The file from {self.host} ({_redact(self.url)}, {self.have} bytes) does "
                f"not match the SHA-256 in the playbook (expected {self.sha256[:16]}…, got "
                f"{self.hasher.hexdigest()[:16]}…). It was deleted and nothing was run. Either the vendor "
                "published a new build and the playbook's hash is out of date (check the vendor's site), or "
                "the download was altered on the way; do not install it by hand.",
                url=self.url,
            )

    def _exhausted(self, retry: _Retry, attempts: int) -> DownloadError:
        if retry.kind == "http-status":
            return DownloadError(
                "http-status",
                f"{self.host} kept failing with {retry.reason} ({attempts} attempts) for "
                f"{_redact(self.url)}. The vendor's server may be down or overloaded; try again later.",
                url=self.url,
                status=retry.status,
            )
        return DownloadError(
            "network",
            f"Could not download {_redact(self.url)} from {self.host} after {attempts} attempts "
            f"without progress (last error: {retry.reason}). Check the network connection and the proxy "
            "settings (HTTPS_PROXY / NO_PROXY), then try again; what was received so far was deleted.",
            url=self.url,
        )

    def _pause(self, delay: float) -> None:
        # Sleep in slices so a cancel or the deadline is noticed during a long backoff.
        end = time.monotonic() + delay
        while (left := end - time.monotonic()) > 0:
            self.check_cancelled()
            self.check_deadline()
            time.sleep(min(left, 0.05))


def _body_chunks(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives, keeping every byte that came before a failure.

    requests' iter_content() reads fixed-size blocks: when the connection drops in the middle of a
    block, the bytes already received for that block are lost with the exception, so a server that
    drops every 50 KB would never let a 64 KB-block download progress. urllib3's read1() returns
    whatever one socket read delivered, so everything received is written before the error surfaces.
    """
    read1 = getattr(response.raw, "read1", None)
    if read1 is None:  # an older urllib3 without read1(): blocks (resume still works, less precisely)
        yield from (chunk for chunk in response.iter_content(chunk_size=CHUNK_SIZE) if chunk)
        return
    while chunk := read1(CHUNK_SIZE, decode_content=True):
        yield chunk


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


# --- the public entry point -----------------------------------------------------------------------------


def download(
    url: str,
    dest_dir: Path,
    *,
    sha256: str,
    max_size: int,
    expected_size: int | None = None,
    filename: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    allow_loopback_http: bool = False,
    proxies: dict[str, str] | None = None,
    connect_timeout: float = 10,
    read_timeout: float = 30,
    attempts: int = 5,
    backoff: float = 0.5,
    total_timeout: float | None = DEFAULT_TOTAL_TIMEOUT,
    stall_timeout: float | None = DEFAULT_STALL_TIMEOUT,
    stall_bytes: int = STALL_BYTES,
    vouch: Callable[[Path], str] | None = None,
) -> Path:
    """Downloads ``url`` into ``dest_dir``, verifies its SHA-256 and returns the verified file's path.

    ``filename`` defaults to the hash itself (no extension, so it can't be launched by accident).
    Idempotent: when the final file already exists with the right hash it is returned without any
    network access; a ``<name>.part`` left by a crashed process is re-hashed and resumed.
    ``attempts`` bounds consecutive attempts that bring no new bytes; ``total_timeout`` (seconds, None
    for none) bounds the whole call; an attempt that moves fewer than ``stall_bytes`` in
    ``stall_timeout`` seconds has stalled and counts as a failed attempt. ``vouch`` (see the module
    docstring) returns who vouched, for the log, or raises to refuse the file. Raises ``DownloadError``
    (see ``KINDS``) after deleting the ``.part``; raises ValueError for arguments that are programming errors.
    """
    _check_sha256(sha256)
    sha256 = sha256.lower()
    name = filename if filename is not None else sha256
    _check_filename(name)
    if max_size < 1 or (expected_size is not None and expected_size < 1) or attempts < 1:
        raise ValueError("max_size, expected_size and attempts must be positive")
    safe_url = _redact(url)
    try:
        _check_url(url, allow_loopback_http)  # before anything touches the disk or the network
    except DownloadError as exc:
        eventlog.event("download.failed", exc.message, level=logging.ERROR, console=False, url=safe_url, kind=exc.kind)
        raise

    dest_dir = Path(dest_dir)
    _prepare_dir(dest_dir)
    final = dest_dir / name
    part = dest_dir / f"{name}.part"
    _refuse_folder(final)
    if final.is_symlink() or final.exists():
        if not final.is_symlink() and verify_file(final, sha256):
            size = final.stat().st_size
            if progress is not None:
                progress(size, size)
            eventlog.event(
                "download.done",
                f"{name} is already staged and verified",
                url=safe_url,
                path=str(final),
                bytes=size,
                sha256=sha256,
                cached=True,
            )
            return final
        _remove(final)  # a file at our final name that doesn't verify is never trusted or kept (winget)

    started = time.monotonic()
    deadline = started + total_timeout if total_timeout is not None else None
    transfer: _Transfer | None = None
    try:
        with _open_part(part) as handle:
            transfer = _Transfer(
                url,
                part,
                handle,
                sha256=sha256,
                max_size=max_size,
                expected_size=expected_size,
                progress=progress,
                cancelled=cancelled,
                allow_loopback_http=allow_loopback_http,
                proxies=proxies,
                # Silence is a stall too, so a socket read never waits longer than the stall allows.
                timeout=(connect_timeout, min(read_timeout, stall_timeout or read_timeout)),
                deadline=deadline,
                total_timeout=total_timeout,
                stall_timeout=stall_timeout,
                stall_bytes=stall_bytes,
                vouch=vouch,
            )
            transfer.adopt_leftover()
            eventlog.event(
                "download.start",
                f"downloading {safe_url}",
                url=safe_url,
                host=transfer.host,
                dest=str(final),
                resume_from=transfer.have,
                max_size=max_size,
                expected_size=expected_size,
            )
            from offramp.core.migrate import https

            with https.session() as session:
                session.headers["User-Agent"] = f"Offramp/{__version__} (+installer staging)"
                transfer.run(session, attempts=attempts, backoff=backoff)
            handle.flush()
            os.fsync(handle.fileno())  # the data must be on disk before the name that vouches for it
        atomicfile.replace(part, final)
    except DownloadError as exc:
        _remove(part)
        eventlog.event(
            "download.failed",
            exc.message,
            level=logging.ERROR,
            console=False,
            url=safe_url,
            kind=exc.kind,
            status=exc.status,
            bytes=transfer.have if transfer else 0,
            requests=transfer.requests if transfer else 0,
        )
        raise
    except Exception:
        # Disk full, permission denied…: nothing unverified may stay behind. (KeyboardInterrupt and
        # SystemExit leave the .part: like a crash, the next run resumes it after re-hashing.)
        _remove(part)
        raise
    transfer.report(final=True)
    eventlog.event(
        "download.done",
        f"{name} downloaded and verified",
        url=safe_url,
        path=str(final),
        bytes=transfer.have,
        sha256=sha256,
        requests=transfer.requests,
        restarts=transfer.restarts,
        vouched_by=transfer.vouched_by,
        actual_sha256=transfer.hasher.hexdigest(),
        seconds=round(time.monotonic() - started, 3),
        cached=False,
    )
    return final
