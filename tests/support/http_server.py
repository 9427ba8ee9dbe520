"""A real HTTP(S) server on 127.0.0.1 with scripted faults, for download and migration tests.

Download code has to survive servers that drop connections, stall, lie about sizes, ignore ``Range``
or redirect somewhere unsafe. Mocking ``requests`` would test our assumptions about those failures;
a real socket tests the failures themselves (urllib3's framing checks, timeouts, keep-alive). Each
test gets its own server on an ephemeral port (port 0), so tests never collide.

Usage::

    with HttpServer() as server:
        url = server.add("/setup.exe", payload, faults=[drop(after=1000)])  # 1st request breaks off
        ...download(url, ...)...
        assert server.requests_for("/setup.exe")[1].range == "bytes=1000-"

    with serve_directory(folder) as server:        # every file under `folder`, with Range and ETag
        url = server.url("pool/kesl_12.0_amd64.deb")

A route answers its first requests with ``faults[0]``, ``faults[1]``…, then with ``always`` (if
given) or normally. Normal means: 200 with the body, ``ETag`` (strong, from the content) and
``Accept-Ranges: bytes``; ``Range: bytes=N-`` / ``bytes=N-M`` gives 206, past the end gives 416, and
``If-Range`` that doesn't match the current ETag or Last-Modified gives the whole body (RFC 9110).

Shutdown is clean: stalled handlers wake at once, open connections are shut, every handler thread is
joined and every socket closed, so ``filterwarnings=error`` never sees a ResourceWarning.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import ssl
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "Fault",
    "HttpServer",
    "RecordedRequest",
    "drop",
    "make_self_signed_cert",
    "redirect",
    "serve_directory",
    "stall",
    "status",
]

Length = Literal["honest", "chunked", "none"]
_PIECE = 16 * 1024  # bytes per socket write; small enough that drop/stall points are honoured exactly


@dataclass(frozen=True)
class Fault:
    """How one response departs from normal. Fields combine (e.g. another ``body`` that also drops)."""

    status: int | None = None  # answer with this status and a short text body, nothing else
    headers: Mapping[str, str] = field(default_factory=dict)  # extra headers (e.g. Retry-After)
    location: str | None = None  # with a 3xx status: where to redirect
    drop_after: int | None = None  # close the connection after this many body bytes of this response
    stall_after: int | None = None  # after this many body bytes, go silent for stall_seconds
    stall_seconds: float = 30.0  # cut short when the server closes
    drip: tuple[int, float] | None = None  # (bytes per write, pause between writes): a slow trickle
    body: bytes | None = None  # serve this instead of the route's body (e.g. an older version)
    etag: str | None = None  # with ``body``: that version's ETag
    ignore_range: bool = False  # answer 200 with the whole body even to a Range request
    range_from_zero: bool = False  # answer a Range request with 206 for bytes 0-… (a broken server)


def drop(after: int) -> Fault:
    """Send the headers (with the full length) and ``after`` body bytes, then close the connection."""
    return Fault(drop_after=after)


def stall(after: int, seconds: float = 30.0) -> Fault:
    """Send ``after`` body bytes, then say nothing for ``seconds`` (longer than the client's read timeout)."""
    return Fault(stall_after=after, stall_seconds=seconds)


def status(code: int, *, retry_after: int | None = None) -> Fault:
    """Answer with an HTTP error status (404, 500, 429…) instead of the file."""
    return Fault(status=code, headers={"Retry-After": str(retry_after)} if retry_after is not None else {})


def redirect(location: str, code: int = 302) -> Fault:
    """Redirect to ``location`` (absolute, or a path on this server)."""
    return Fault(status=code, location=location)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    target: str  # the request target as sent: a path, or an absolute URL when we act as a proxy
    path: str
    headers: Mapping[str, str]  # names lower-cased

    @property
    def range(self) -> str | None:
        return self.headers.get("range")

    @property
    def if_range(self) -> str | None:
        return self.headers.get("if-range")


@dataclass
class _Route:
    body: bytes
    etag: str | None
    last_modified: str | None
    ranges: bool
    length: Length
    endless: bool
    faults: list[Fault]
    always: Fault | None
    content_type: str
    hits: int = 0


def _strong_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


class _Server(ThreadingHTTPServer):
    # Non-daemon handler threads, joined by server_close(): a test ends only after its server is gone.
    daemon_threads = False
    block_on_close = True
    owner: HttpServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gives up (timeout, size limit, cancel) closes its end while we write: expected.
        import sys

        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked encoding, like real CDNs
    server: _Server
    timeout = 15  # backstop: an idle keep-alive connection can't keep a handler thread alive forever

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without NODELAY, Nagle plus the client's delayed
        # ACK add ~40 ms to every small response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # tests read server.requests; the default writes every request to stderr

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    # -- one request

    def _serve(self, *, head: bool) -> None:
        owner = self.server.owner
        path = urllib.parse.urlsplit(self.path).path
        owner._record(RecordedRequest(self.command, self.path, path, {k.lower(): v for k, v in self.headers.items()}))
        route, fault = owner._lookup(path)
        try:
            if route is None:
                self._simple(404, "not found\n")
            elif fault.status is not None:
                extra = dict(fault.headers)
                if fault.location is not None:
                    extra["Location"] = fault.location
                self._simple(fault.status, f"status {fault.status}\n", extra)
            else:
                self._file(route, fault, head=head)
        except OSError:
            self.close_connection = True  # the client went away; nothing to answer

    def _simple(self, code: int, text: str, headers: Mapping[str, str] | None = None) -> None:
        data = text.encode()
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _file(self, route: _Route, fault: Fault, *, head: bool) -> None:
        body = fault.body if fault.body is not None else route.body
        etag = fault.etag if fault.body is not None else route.etag
        start, end, code = 0, len(body), 200
        wanted = self.headers.get("Range")
        if wanted and route.ranges and not fault.ignore_range and not route.endless:
            if_range = self.headers.get("If-Range")
            if if_range is None or if_range in (etag, route.last_modified):
                parsed = _parse_range(wanted)
                if parsed is not None:
                    first, last = parsed
                    if first >= len(body):
                        unsatisfiable = {"Content-Range": f"bytes */{len(body)}"}
                        self._simple(416, "range not satisfiable\n", unsatisfiable)
                        return
                    code = 206
                    start = 0 if fault.range_from_zero else first
                    end = len(body) if last is None else min(last + 1, len(body))
        payload = body[start:end]

        self.send_response(code)
        self.send_header("Content-Type", route.content_type)
        if etag:
            self.send_header("ETag", etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)
        if route.ranges:
            self.send_header("Accept-Ranges", "bytes")
        if code == 206:
            self.send_header("Content-Range", f"bytes {start}-{start + len(payload) - 1}/{len(body)}")
        chunked = route.length == "chunked" or route.endless
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif route.length == "honest":
            self.send_header("Content-Length", str(len(payload)))
        else:  # "none": the end of the body is the end of the connection (HTTP/1.0 style)
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if head:
            return
        if route.endless:
            self._endless(fault)
        else:
            self._write_body(payload, fault, chunked=chunked)

    def _send(self, data: bytes, *, chunked: bool) -> None:
        if chunked:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        else:
            self.wfile.write(data)

    def _write_body(self, payload: bytes, fault: Fault, *, chunked: bool) -> None:
        stop = self.server.owner._stop
        piece = fault.drip[0] if fault.drip else _PIECE
        position = 0
        stalled = False
        while position < len(payload):
            if fault.drop_after is not None and position >= fault.drop_after:
                self.wfile.flush()
                self.close_connection = True  # the socket is closed mid-body: a premature end for the client
                return
            if fault.stall_after is not None and position >= fault.stall_after and not stalled:
                self.wfile.flush()
                stalled = True
                if stop.wait(fault.stall_seconds):
                    self.close_connection = True
                    return
            end = min(len(payload), position + piece)
            for boundary in (fault.drop_after, fault.stall_after):
                if boundary is not None and position < boundary < end:
                    end = boundary  # stop exactly at the fault's byte count
            self._send(payload[position:end], chunked=chunked)
            position = end
            if fault.drip:
                self.wfile.flush()
                if stop.wait(fault.drip[1]):
                    self.close_connection = True
                    return
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _endless(self, fault: Fault) -> None:
        # "Endless data" (TUF): keeps streaming until the client hangs up, capped so a broken client can't
        # keep the test running forever.
        stop = self.server.owner._stop
        filler = b"\xa5" * _PIECE
        for _ in range((256 * 1024 * 1024) // _PIECE):
            if stop.is_set():
                break
            self._send(filler, chunked=True)
        self.close_connection = True


def _parse_range(value: str) -> tuple[int, int | None] | None:
    """(first, last or None) for a single 'bytes=N-' or 'bytes=N-M'; None for anything else."""
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    if not first.isdigit() or (last and not last.isdigit()):
        return None
    return int(first), int(last) if last else None


class HttpServer:
    """A threaded HTTP server on 127.0.0.1, port 0. Use as a context manager (or start()/close())."""

    def __init__(self, *, directory: Path | None = None, tls: tuple[Path, Path] | None = None) -> None:
        """``directory``: serve its files (under their relative paths) when no route matches.
        ``tls``: (certificate, key) PEM files, to serve HTTPS instead of HTTP."""
        self.directory = directory.resolve() if directory is not None else None
        self._tls = tls
        self._routes: dict[str, _Route] = {}
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle

    def start(self) -> HttpServer:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.owner = self
        if self._tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(self._tls[0]), str(self._tls[1]))
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, name=f"http-server-{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is None:
            return
        self._stop.set()  # wakes stalled and dripping handlers
        self._server.shutdown()  # stops serve_forever
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)  # a handler waiting for the next keep-alive request
            except OSError:
                pass
        self._server.server_close()  # closes the listening socket and joins every handler thread
        assert self._thread is not None
        self._thread.join()
        self._server = None

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- configuration

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def add(
        self,
        path: str,
        body: bytes = b"",
        *,
        faults: Sequence[Fault] = (),
        always: Fault | None = None,
        ranges: bool = True,
        etag: str | None = "auto",
        last_modified: str | None = None,
        length: Length = "honest",
        endless: bool = False,
        content_type: str = "application/octet-stream",
    ) -> str:
        """Serves ``body`` at ``path`` (replacing an earlier route there) and returns its URL.

        ``faults`` script the first requests, ``always`` every later one. ``ranges=False`` makes the
        route ignore Range (always 200) and omit Accept-Ranges. ``etag="auto"`` derives a strong ETag
        from the body; None sends none. ``length``: "honest" Content-Length, "chunked" transfer
        encoding, "none" (body ends when the connection closes). ``endless`` streams filler bytes in
        chunked encoding until the client hangs up.
        """
        path = "/" + path.lstrip("/")
        with self._lock:
            self._routes[path] = _Route(
                body=body,
                etag=_strong_etag(body) if etag == "auto" else etag,
                last_modified=last_modified,
                ranges=ranges,
                length=length,
                endless=endless,
                faults=list(faults),
                always=always,
                content_type=content_type,
            )
        return self.url(path)

    # -- what happened

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        path = "/" + path.lstrip("/")
        return [r for r in self.requests if r.path == path]

    # -- used by the handler threads

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _lookup(self, path: str) -> tuple[_Route | None, Fault]:
        with self._lock:
            route = self._routes.get(path)
            if route is not None:
                index = route.hits
                route.hits += 1
                if index < len(route.faults):
                    return route, route.faults[index]
                return route, route.always or Fault()
        return self._from_directory(path), Fault()

    def _from_directory(self, path: str) -> _Route | None:
        if self.directory is None:
            return None
        relative = urllib.parse.unquote(path).lstrip("/")
        candidate = (self.directory / relative).resolve()
        if not candidate.is_relative_to(self.directory) or not candidate.is_file():
            return None  # also refuses ../ escapes
        body = candidate.read_bytes()
        return _Route(
            body=body,
            etag=_strong_etag(body),
            last_modified=None,
            ranges=True,
            length="honest",
            endless=False,
            faults=[],
            always=None,
            content_type="application/octet-stream",
        )


@contextmanager
def serve_directory(root: Path, *, tls: tuple[Path, Path] | None = None) -> Iterator[HttpServer]:
    """Serves every file under ``root`` on 127.0.0.1 (Range, strong ETag) for the ``with`` block.

    ``server.url("sub/file.deb")`` gives a file's URL; ``server.add(...)`` can still add scripted routes,
    and ``server.requests`` shows what was fetched. Pass ``allow_loopback_http=True`` to ``download()``
    (or ``tls=make_self_signed_cert(...)`` plus ``REQUESTS_CA_BUNDLE`` for HTTPS).
    """
    with HttpServer(directory=root, tls=tls) as server:
        yield server


def make_self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1 made with the openssl CLI; the certificate is its own CA, so
    pointing ``REQUESTS_CA_BUNDLE`` at it makes requests trust the test server and nothing else."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise FileNotFoundError("openssl is not on PATH")
    cert, key = folder / "loopback-cert.pem", folder / "loopback-key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key
