"""Fault injection for installer staging, against a real HTTP(S) server on 127.0.0.1.

Each test scripts one misbehaving server (ecosystem notes §8.7) and checks the outcome the migration
relies on: either a verified file, or a DownloadError of the right kind with nothing left on disk.
Timeouts and backoff are tiny so the whole file runs in a few seconds.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import shutil
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from offramp.core.migrate import download as dl
from offramp.core.migrate.download import DownloadError, download, verify_file
from tests.support.http_server import (
    Fault,
    HttpServer,
    drop,
    make_self_signed_cert,
    redirect,
    serve_directory,
    stall,
    status,
)

# 200 KiB that never repeats, so a splice at the wrong offset always changes the hash.
PAYLOAD = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(6400))
SHA = hashlib.sha256(PAYLOAD).hexdigest()
OTHER = bytes(reversed(PAYLOAD))
MAX = 1024 * 1024


@pytest.fixture(autouse=True)
def clean_network_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's or CI runner's proxy or CA settings must not reroute requests to 127.0.0.1.
    names = (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    )
    for name in names:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def server() -> Iterator[HttpServer]:
    with HttpServer() as srv:
        yield srv


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "staging"  # does not exist yet: download() must create it privately


@pytest.fixture
def events() -> Iterator[list[logging.LogRecord]]:
    """The eventlog records of the test (works whether or not eventlog.setup() ran in this process)."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("offramp")
    handler, level = Collect(logging.DEBUG), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(level)


class Progress:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, received: int, total: int | None) -> None:
        self.calls.append((received, total))

    @property
    def most(self) -> int:
        return max((received for received, _ in self.calls), default=0)


# The read timeout of the stall tests: the server's silence lasts 30 s, and a pause of a busy machine (this
# suite shares its CPUs) must not read as one.
STALL_TIMEOUT = 1.5


def fetch(url: str, dest: Path, **overrides: Any) -> Path:
    options: dict[str, Any] = dict(
        sha256=SHA,
        max_size=MAX,
        allow_loopback_http=True,
        connect_timeout=2,
        read_timeout=2,
        attempts=3,
        backoff=0.01,
        total_timeout=20,
    )
    options.update(overrides)
    return download(url, dest, **options)


def fails(kind: str, url: str, dest: Path, **overrides: Any) -> DownloadError:
    with pytest.raises(DownloadError) as info:
        fetch(url, dest, **overrides)
    assert info.value.kind == kind, info.value.message
    assert "127.0.0.1" in info.value.message or kind == "insecure-url"
    assert_nothing_left(dest)
    return info.value


def assert_nothing_left(dest: Path) -> None:
    assert not dest.exists() or list(dest.iterdir()) == []


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def ranges(server: HttpServer, path: str) -> list[str | None]:
    return [r.range for r in server.requests_for(path)]


def named(records: list[logging.LogRecord], name: str) -> list[logging.LogRecord]:
    return [r for r in records if getattr(r, "event", None) == name]


@pytest.fixture
def dns_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every host name the process resolves during the test: proof that a refused URL was never dialled."""
    seen: list[str] = []
    real = socket.getaddrinfo

    def recording(host: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(host.decode() if isinstance(host, bytes) else str(host))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    return seen


# --- the normal path -------------------------------------------------------------------------------------


def test_normal_download_is_verified_private_and_reports_progress(
    server: HttpServer, dest: Path, events: list[logging.LogRecord]
) -> None:
    progress = Progress()
    path = fetch(server.add("/setup.bin", PAYLOAD), dest, progress=progress, expected_size=len(PAYLOAD))

    assert path == dest / SHA and path.read_bytes() == PAYLOAD
    assert os.listdir(dest) == [SHA]  # no .part left, and no extension: it can't be launched by accident
    if os.name != "nt":
        assert mode(dest) == 0o700 and mode(path) == 0o600
    assert progress.calls[-1] == (len(PAYLOAD), len(PAYLOAD))
    received = [r for r, _ in progress.calls]
    assert received == sorted(received)
    assert ranges(server, "/setup.bin") == [None]
    assert [r.event for r in events if r.event.startswith("download.")] == [  # type: ignore[attr-defined]
        "download.start",
        "download.done",
    ]
    assert "/setup.bin" in named(events, "download.done")[0].url  # type: ignore[attr-defined]


def test_filename_and_query_string(server: HttpServer, dest: Path, events: list[logging.LogRecord]) -> None:
    url = server.add("/kesl.deb", PAYLOAD) + "?token=secret"
    path = fetch(url, dest, filename="replacement.deb")
    assert path == dest / "replacement.deb" and path.read_bytes() == PAYLOAD
    assert all("secret" not in r.getMessage() and "secret" not in str(getattr(r, "url", "")) for r in events)


def test_second_call_returns_the_staged_file_without_a_request(server: HttpServer, dest: Path) -> None:
    url = server.add("/setup.bin", PAYLOAD)
    first = fetch(url, dest)
    progress = Progress()
    assert fetch(url, dest, progress=progress) == first
    assert len(server.requests) == 1
    assert progress.calls == [(len(PAYLOAD), len(PAYLOAD))]


def test_final_file_with_wrong_content_is_replaced(server: HttpServer, dest: Path) -> None:
    dest.mkdir()
    (dest / SHA).write_bytes(OTHER)
    assert fetch(server.add("/setup.bin", PAYLOAD), dest).read_bytes() == PAYLOAD


def test_served_from_a_proxy_when_one_is_given(server: HttpServer, dest: Path) -> None:
    url = server.add("/setup.bin", OTHER)  # the origin would send the wrong file: only the proxy may answer
    with HttpServer() as proxy:
        proxy.add("/setup.bin", PAYLOAD)
        fetch(url, dest, proxies={"http": proxy.base_url})
        assert [r.target for r in proxy.requests] == [url]  # absolute-form target: it was asked as a proxy
    assert server.requests == []


# --- resume ----------------------------------------------------------------------------------------------


def test_dropped_connection_resumes_with_range_and_if_range(
    server: HttpServer, dest: Path, events: list[logging.LogRecord]
) -> None:
    progress = Progress()
    url = server.add("/setup.bin", PAYLOAD, faults=[drop(after=50_000), drop(after=50_000)])
    assert fetch(url, dest, progress=progress).read_bytes() == PAYLOAD

    sent = server.requests_for("/setup.bin")
    assert [r.range for r in sent] == [None, "bytes=50000-", "bytes=100000-"]
    etag = '"' + hashlib.sha256(PAYLOAD).hexdigest()[:20] + '"'
    assert [r.if_range for r in sent[1:]] == [etag, etag]
    assert [r.resume_from for r in named(events, "download.retry")] == [50_000, 100_000]  # type: ignore[attr-defined]
    assert progress.calls[-1] == (len(PAYLOAD), len(PAYLOAD))


def test_drops_that_never_progress_give_up_after_the_attempts(server: HttpServer, dest: Path) -> None:
    url = server.add("/setup.bin", PAYLOAD, always=drop(after=0))
    error = fails("network", url, dest, attempts=3)
    assert len(server.requests) == 3
    assert "proxy" in error.message


def test_drops_that_make_progress_do_not_use_up_the_attempts(server: HttpServer, dest: Path) -> None:
    url = server.add("/setup.bin", PAYLOAD, always=drop(after=40_000))
    assert fetch(url, dest, attempts=2).read_bytes() == PAYLOAD
    assert len(server.requests) == math.ceil(len(PAYLOAD) / 40_000)


def test_stall_mid_body_times_out_and_resumes(server: HttpServer, dest: Path) -> None:
    url = server.add("/setup.bin", PAYLOAD, faults=[stall(after=150_000)])
    assert fetch(url, dest, read_timeout=STALL_TIMEOUT).read_bytes() == PAYLOAD
    # Every byte that arrived before the silence was kept: only the rest is fetched again.
    assert ranges(server, "/setup.bin") == [None, "bytes=150000-"]


def test_stall_every_time_gives_up(server: HttpServer, dest: Path) -> None:
    url = server.add("/setup.bin", PAYLOAD, always=stall(after=0))
    fails("network", url, dest, read_timeout=STALL_TIMEOUT, attempts=2)
    assert len(server.requests) == 2


def test_range_ignoring_server_restarts_from_zero(
    server: HttpServer, dest: Path, events: list[logging.LogRecord]
) -> None:
    url = server.add("/setup.bin", PAYLOAD, ranges=False, faults=[drop(after=100_000)])
    assert fetch(url, dest).read_bytes() == PAYLOAD  # no duplicated bytes
    assert ranges(server, "/setup.bin") == [None, "bytes=100000-"]
    assert named(events, "download.done")[0].restarts == 1  # type: ignore[attr-defined]


def test_file_changed_between_attempts_restarts_from_zero(server: HttpServer, dest: Path) -> None:
    old = Fault(body=OTHER, etag='"old"', drop_after=100_000)  # the previous release, then the cut
    url = server.add("/setup.bin", PAYLOAD, faults=[old])
    assert fetch(url, dest).read_bytes() == PAYLOAD
    sent = server.requests_for("/setup.bin")
    assert [(r.range, r.if_range) for r in sent] == [(None, None), ("bytes=100000-", '"old"')]


def test_resume_at_the_wrong_offset_restarts(server: HttpServer, dest: Path) -> None:
    url = server.add("/setup.bin", PAYLOAD, faults=[drop(after=100_000), Fault(range_from_zero=True)])
    assert fetch(url, dest).read_bytes() == PAYLOAD
    assert ranges(server, "/setup.bin") == [None, "bytes=100000-", None]


def test_leftover_part_from_a_crash_is_rehashed_and_only_the_rest_requested(server: HttpServer, dest: Path) -> None:
    dest.mkdir(mode=0o755)
    (dest / f"{SHA}.part").write_bytes(PAYLOAD[:120_000])
    progress = Progress()
    path = fetch(server.add("/setup.bin", PAYLOAD), dest, progress=progress)
    assert path.read_bytes() == PAYLOAD
    assert ranges(server, "/setup.bin") == ["bytes=120000-"]
    assert server.requests[0].if_range is None  # the crashed run's validator is unknown
    if os.name != "nt":
        assert mode(dest) == 0o700  # tightened even though the folder already existed
    assert progress.calls[-1] == (len(PAYLOAD), len(PAYLOAD))


def test_corrupt_leftover_part_is_caught_by_the_hash_and_downloaded_again(server: HttpServer, dest: Path) -> None:
    dest.mkdir()
    (dest / f"{SHA}.part").write_bytes(OTHER[:120_000])
    assert fetch(server.add("/setup.bin", PAYLOAD), dest).read_bytes() == PAYLOAD
    assert ranges(server, "/setup.bin") == ["bytes=120000-", None]


def test_complete_leftover_part_with_known_size_needs_no_request(server: HttpServer, dest: Path) -> None:
    dest.mkdir()
    (dest / f"{SHA}.part").write_bytes(PAYLOAD)
    assert fetch(server.add("/setup.bin", PAYLOAD), dest, expected_size=len(PAYLOAD)).read_bytes() == PAYLOAD
    assert server.requests == []


def test_complete_leftover_part_answered_416_is_verified(server: HttpServer, dest: Path) -> None:
    dest.mkdir()
    (dest / f"{SHA}.part").write_bytes(PAYLOAD)
    assert fetch(server.add("/setup.bin", PAYLOAD), dest).read_bytes() == PAYLOAD
    assert ranges(server, "/setup.bin") == [f"bytes={len(PAYLOAD)}-"]


def test_leftover_part_larger_than_expected_is_discarded(server: HttpServer, dest: Path) -> None:
    dest.mkdir()
    (dest / f"{SHA}.part").write_bytes(PAYLOAD + b"junk")
    assert fetch(server.add("/setup.bin", PAYLOAD), dest, expected_size=len(PAYLOAD)).read_bytes() == PAYLOAD
    assert ranges(server, "/setup.bin") == [None]


# --- HTTP status and redirects -----------------------------------------------------------------------------


def test_404_is_final(server: HttpServer, dest: Path) -> None:
    error = fails("http-status", server.add("/setup.bin", PAYLOAD, always=status(404)), dest)
    assert error.status == 404 and "playbook" in error.message
    assert len(server.requests) == 1


def test_500_then_ok_is_retried(server: HttpServer, dest: Path) -> None:
    url = server.add("/setup.bin", PAYLOAD, faults=[status(500)])
    assert fetch(url, dest).read_bytes() == PAYLOAD
    assert len(server.requests) == 2


def test_429_with_retry_after_then_ok_is_retried(server: HttpServer, dest: Path) -> None:
    url = server.add("/setup.bin", PAYLOAD, faults=[status(429, retry_after=0)])
    assert fetch(url, dest).read_bytes() == PAYLOAD
    assert len(server.requests) == 2


def test_500_always_gives_up_after_the_attempts(
    server: HttpServer, dest: Path, events: list[logging.LogRecord]
) -> None:
    error = fails("http-status", server.add("/setup.bin", PAYLOAD, always=status(500)), dest, attempts=3)
    assert error.status == 500 and "try again later" in error.message
    assert len(server.requests) == 3
    assert len(named(events, "download.retry")) == 2
    assert named(events, "download.failed")[0].kind == "http-status"  # type: ignore[attr-defined]


def test_redirect_to_plain_http_elsewhere_is_refused_without_connecting(
    server: HttpServer, dest: Path, dns_lookups: list[str]
) -> None:
    error = fails("insecure-url", server.add("/setup.bin", always=redirect("http://example.invalid/x")), dest)
    assert "example.invalid" in error.message and "HTTPS" in error.message
    assert "example.invalid" not in dns_lookups
    assert len(server.requests) == 1


def test_redirect_to_another_loopback_path_is_followed(server: HttpServer, dest: Path) -> None:
    server.add("/mirror/setup.bin", PAYLOAD)
    url = server.add("/latest", always=redirect("/mirror/setup.bin", 301))
    assert fetch(url, dest).read_bytes() == PAYLOAD
    assert [r.path for r in server.requests] == ["/latest", "/mirror/setup.bin"]


def test_redirect_loop_stops_after_five_hops(server: HttpServer, dest: Path) -> None:
    fails("http-status", server.add("/loop", always=redirect("/loop")), dest)
    assert len(server.requests) == 1 + dl.MAX_REDIRECTS


# --- sizes and content ----------------------------------------------------------------------------------


def test_oversize_with_honest_length_is_refused_before_reading(server: HttpServer, dest: Path) -> None:
    progress = Progress()
    fails("too-large", server.add("/setup.bin", PAYLOAD), dest, max_size=100_000, progress=progress)
    assert progress.most == 0
    assert len(server.requests) == 1


@pytest.mark.parametrize("length", ["chunked", "none"])
def test_oversize_without_honest_length_is_stopped_at_the_limit(server: HttpServer, dest: Path, length: str) -> None:
    progress = Progress()
    url = server.add("/setup.bin", PAYLOAD * 3, length=length)  # type: ignore[arg-type]
    fails("too-large", url, dest, max_size=300_000, progress=progress)
    assert progress.most <= 300_000
    assert len(server.requests) == 1


def test_endless_body_is_stopped_at_the_limit(server: HttpServer, dest: Path) -> None:
    progress = Progress()
    fails("too-large", server.add("/setup.bin", endless=True), dest, max_size=300_000, progress=progress)
    assert progress.most <= 300_000


def test_announced_size_other_than_expected_is_refused_at_once(server: HttpServer, dest: Path) -> None:
    progress = Progress()
    error = fails(
        "size-mismatch", server.add("/setup.bin", PAYLOAD), dest, expected_size=len(PAYLOAD) + 1, progress=progress
    )
    assert progress.most == 0 and "sha256" in error.message


def test_short_chunked_body_is_a_size_mismatch(server: HttpServer, dest: Path) -> None:
    url = server.add("/setup.bin", PAYLOAD[:-1], length="chunked")
    fails("size-mismatch", url, dest, expected_size=len(PAYLOAD))


def test_wrong_content_is_a_hash_mismatch_and_deleted(
    server: HttpServer, dest: Path, events: list[logging.LogRecord]
) -> None:
    error = fails("hash-mismatch", server.add("/setup.bin", OTHER), dest, expected_size=len(PAYLOAD))
    assert "hash" in error.message and "nothing was run" in error.message
    assert len(server.requests) == 1  # one clean download: no reason to suspect our own splice
    assert named(events, "download.failed")[0].kind == "hash-mismatch"  # type: ignore[attr-defined]


# --- cancel, deadline, refusal before connecting -----------------------------------------------------------


def test_cancel_mid_body_deletes_the_part(server: HttpServer, dest: Path) -> None:
    progress = Progress()
    url = server.add("/setup.bin", PAYLOAD, always=Fault(drip=(8192, 0.02)))
    fails("cancelled", url, dest, progress=progress, cancelled=lambda: progress.most > 0)
    assert 0 < progress.most < len(PAYLOAD)


def test_cancel_before_start_makes_no_request(server: HttpServer, dest: Path) -> None:
    fails("cancelled", server.add("/setup.bin", PAYLOAD), dest, cancelled=lambda: True)
    assert server.requests == []


def test_slow_drip_hits_the_overall_deadline(server: HttpServer, dest: Path) -> None:
    progress = Progress()
    url = server.add("/setup.bin", PAYLOAD, always=Fault(drip=(1024, 0.05)))  # ~10 s in total
    error = fails("network", url, dest, total_timeout=0.5, progress=progress)
    assert "did not finish within" in error.message
    # The server cannot send it all in less than ~10 s, so a deadline that held stopped part-way.
    assert 0 < progress.most < len(PAYLOAD)


def test_connection_refused_is_a_network_error(dest: Path) -> None:
    with HttpServer() as gone:
        url = gone.url("/setup.bin")
    fails("network", url, dest, attempts=2)


@pytest.mark.parametrize(
    ("url", "allow"),
    [
        ("http://example.com/setup.exe", False),
        ("http://example.com/setup.exe", True),  # the test switch is for loopback only
        ("http://127.0.0.1:9/setup.exe", False),  # loopback too needs the switch
        ("http://127.0.0.1.example.com/setup.exe", True),  # a DNS name that looks like loopback
        ("http://[::2]/setup.exe", True),
        ("ftp://example.com/setup.exe", True),
        ("file:///etc/passwd", True),
        ("https:///setup.exe", False),
        ("https://example.com:notaport/setup.exe", False),
    ],
)
def test_insecure_urls_are_refused_before_anything_happens(
    dest: Path, dns_lookups: list[str], url: str, allow: bool
) -> None:
    with pytest.raises(DownloadError) as info:
        fetch(url, dest, allow_loopback_http=allow)
    assert info.value.kind == "insecure-url"
    assert "https" in info.value.message.lower()
    assert dns_lookups == [] and not dest.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://127.8.9.10/x",
        "http://[::1]/x",
        "http://localhost/x",
        "http://LOCALHOST./x",
        "https://example.com/x",
    ],
)
def test_loopback_http_and_https_pass_the_url_check(url: str) -> None:
    dl._check_url(url, allow_loopback_http=True)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sha256": "abc"},
        {"filename": "../x"},
        {"filename": ".hidden"},
        {"filename": "a/b"},
        {"max_size": 0},
        {"attempts": 0},
    ],
)
def test_programming_errors_are_value_errors(dest: Path, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        fetch("https://example.com/x", dest, **kwargs)
    assert not dest.exists()


# --- verify_file -----------------------------------------------------------------------------------------


def test_verify_file(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.write_bytes(PAYLOAD)
    assert verify_file(good, SHA) and verify_file(good, SHA.upper())
    assert not verify_file(good, hashlib.sha256(OTHER).hexdigest())
    assert not verify_file(tmp_path / "missing", SHA)
    assert not verify_file(tmp_path, SHA)  # a directory
    with pytest.raises(ValueError):
        verify_file(good, "not-a-hash")


# --- HTTPS ------------------------------------------------------------------------------------------------


@pytest.fixture
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate for the HTTPS tests")
    return make_self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https_server(tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpServer]:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_files[0]))  # trust this certificate and nothing else
    with HttpServer(tls=tls_files) as srv:
        yield srv


def test_https_download_without_the_test_switch(https_server: HttpServer, dest: Path) -> None:
    url = https_server.add("/setup.bin", PAYLOAD, faults=[drop(after=100_000)])
    assert fetch(url, dest, allow_loopback_http=False).read_bytes() == PAYLOAD
    assert ranges(https_server, "/setup.bin") == [None, "bytes=100000-"]


def test_https_to_http_downgrade_is_refused_even_on_loopback(
    https_server: HttpServer, server: HttpServer, dest: Path
) -> None:
    plain = server.add("/setup.bin", PAYLOAD)
    url = https_server.add("/setup.bin", always=redirect(plain))
    error = fails("insecure-url", url, dest, allow_loopback_http=True)
    assert "redirected" in error.message
    assert server.requests == []


def test_untrusted_certificate_is_final(
    tls_files: tuple[Path, Path], dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HttpServer(tls=tls_files) as untrusted:  # no REQUESTS_CA_BUNDLE: the system CAs don't know it
        error = fails("network", untrusted.add("/setup.bin", PAYLOAD), dest, attempts=3)
        assert "certificate" in error.message and "REQUESTS_CA_BUNDLE" in error.message
        assert untrusted.requests == []


def test_a_certificate_known_only_to_the_system_store_is_trusted(
    tls_files: tuple[Path, Path], dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A private system store: OpenSSL's own SSL_CERT_FILE, which is where the system's verifier looks on
    # Linux (as a TLS-inspecting proxy's root lands in /etc/ssl on a managed machine). certifi's bundle,
    # requests' default, does not hold this certificate; only the system's trust can make this pass.
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))
    with HttpServer(tls=tls_files) as corporate:
        assert fetch(corporate.add("/setup.bin", PAYLOAD), dest, allow_loopback_http=False).read_bytes() == PAYLOAD


def test_the_same_certificate_without_the_system_store_is_refused(
    tls_files: tuple[Path, Path], dest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests

    with HttpServer(tls=tls_files) as corporate:
        url = corporate.add("/setup.bin", PAYLOAD)
        # The control: requests alone, with the same certificate in the same place, refuses it.
        monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(url, timeout=10)
        monkeypatch.delenv("SSL_CERT_FILE")
        error = fails("network", url, dest, attempts=1)
        assert "certificate store" in error.message


# --- the helper other tests use -----------------------------------------------------------------------------


def test_serve_directory_serves_files_and_nothing_outside(tmp_path: Path, dest: Path) -> None:
    root = tmp_path / "repo"
    (root / "pool").mkdir(parents=True)
    (root / "pool" / "kesl.deb").write_bytes(PAYLOAD)
    (tmp_path / "secret").write_bytes(b"outside")
    with serve_directory(root) as srv:
        assert fetch(srv.url("pool/kesl.deb"), dest, filename="kesl.deb").read_bytes() == PAYLOAD
        fails("http-status", srv.url("pool/%2e%2e/%2e%2e/secret"), tmp_path / "other")
