"""The API under abuse, against a real `ghintel api` (uvicorn) on a free 127.0.0.1 port: a
concurrent /events storm, half-sent and oversized request heads, garbage on the wire.

Every loop here is bounded (fixed counts, deadlines); nothing leaves this machine.
"""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import orjson
import pytest

from ghintel_pipeline.lib.kafka.broker import free_port

HOST = "127.0.0.1"
HEAD_TIMEOUT_S = 1.0
KEEP_ALIVE_S = 1.0
MAX_HEAD = 16384
STORM = 30  # client threads, spread over three keys (each capped at 1, the process at 2)
STORM_KEYS = ("storm-a", "storm-b", "storm-c")
STORM_S = 3.0


@dataclass
class Server:
    url: str
    port: int
    pid: int


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


@pytest.fixture(scope="module")
def server(lake_home) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "GHINTEL_HOME": str(lake_home),
        "GHINTEL_API_KEYS": ",".join(STORM_KEYS + ("probe",)),
        "GHINTEL_API_RATE_LIMIT": "0",
        "GHINTEL_API_RESPONSE_CACHE_MB": "0",  # every storm request reaches the engine
        "GHINTEL_API_MAX_CONCURRENT_QUERIES": "2",
        "GHINTEL_API_MAX_CONCURRENT_PER_CLIENT": "1",
        "GHINTEL_API_HEADER_TIMEOUT_S": str(HEAD_TIMEOUT_S),
        "GHINTEL_API_KEEP_ALIVE_S": str(KEEP_ALIVE_S),
        "GHINTEL_API_MAX_HEADER_BYTES": str(MAX_HEAD),
    }
    env.pop("GHINTEL_LAKE_ROOT", None)
    cmd = [sys.executable, "-m", "ghintel_pipeline.cli.main", "api", "--host", HOST, "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, "API server exited during startup"
            assert time.monotonic() < deadline, "API server not healthy within 90 s"
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield Server(url, port, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _timed(client: httpx.Client, url: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = client.get(url)
    return response, time.perf_counter() - started


# A client of its own (another process, another key): this test process's 32 storm threads must
# not be what delays the probe's requests.
_PROBE = """
import sys, time, httpx
url = sys.argv[1]
with httpx.Client(base_url=url, timeout=10) as anonymous, httpx.Client(
    base_url=url, timeout=10, headers={"X-API-Key": "probe"}
) as keyed:
    anonymous.get("/health")
    print("ready", flush=True)
    sys.stdin.readline()
    health, other = [], []
    deadline = time.monotonic() + float(sys.argv[2])
    while time.monotonic() < deadline:
        started = time.perf_counter()
        assert anonymous.get("/health").status_code == 200
        health.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        code = keyed.get("/trending-repos?window=1h&limit=5").status_code
        other.append((code, time.perf_counter() - started))
        time.sleep(0.02)
    print(repr((health, other)), flush=True)
"""


def test_events_storm_gets_answers_or_fast_refusals_and_health_stays_fast(server):
    rss_before = _status_kb(server.pid, "VmRSS")
    probe = subprocess.Popen(
        [sys.executable, "-c", _PROBE, server.url, str(STORM_S)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert probe.stdout.readline().strip() == "ready"

    clients = [
        httpx.Client(base_url=server.url, timeout=30, headers={"X-API-Key": STORM_KEYS[i % 3]})
        for i in range(STORM)
    ]
    barrier = threading.Barrier(STORM)

    def storm_client(i: int) -> list[tuple[int, float, str | None]]:
        """Asks again 50 ms after a refusal, ignoring Retry-After, for STORM_S (at most 100 times)."""
        barrier.wait(timeout=30)
        deadline, out = time.monotonic() + STORM_S, []
        for n in range(100):
            if time.monotonic() > deadline:
                break
            if out and out[-1][0] != 200:
                time.sleep(0.05)
            response, took = _timed(
                clients[i], f"/events?type=WatchEvent&limit={100 + i}&since=2015-01-01T00:{n % 60:02d}Z"
            )
            out.append((response.status_code, took, response.headers.get("retry-after")))
        return out

    results = []
    try:
        with ThreadPoolExecutor(STORM) as pool:
            futures = [pool.submit(storm_client, i) for i in range(STORM)]
            probe.stdin.write("go\n")
            probe.stdin.flush()
            for future in futures:
                results += future.result()
    finally:
        health_ms, other_key = ast.literal_eval(probe.stdout.readline())
        probe.wait(timeout=10)
        for client in clients:
            client.close()
    peak_kb = _status_kb(server.pid, "VmHWM")
    codes = [code for code, _, _ in results]
    print(
        f"\nstorm: {len(results)} requests, {codes.count(200)} x 200, {codes.count(429)} x 429, "
        f"{codes.count(503)} x 503; /health max {max(health_ms):.1f} ms over {len(health_ms)} probes; "
        f"server RSS before {rss_before / 1024:.0f} MiB, peak {peak_kb / 1024:.0f} MiB"
    )
    assert set(codes) <= {200, 429, 503}, codes
    # served, one key's excess refused (429), and the process's (503)
    assert codes.count(200) >= 6 and codes.count(429) > 0 and codes.count(503) > 0, codes
    for code, took, retry_after in results:
        if code != 200:
            assert took <= 1.0 and retry_after is not None and int(retry_after) >= 1, (code, took)
    # A starved event loop shows as probes of seconds; one slow probe of ~100 ms is the scheduler of
    # a shared 2-core box, so the bound is on the median and a worst case well under a second.
    ordered = sorted(health_ms)
    assert len(ordered) >= 3 and ordered[len(ordered) // 2] < 50 and ordered[-1] < 500, ordered[-5:]
    assert all(code == 200 for code, _ in other_key), other_key
    # The cap keeps at most 2 scans in flight, so the storm cannot pile up memory.
    assert peak_kb < rss_before + 256 * 1024, (rss_before, peak_kb)
    metrics = httpx.get(server.url + "/metrics", headers={"X-API-Key": "probe"}).text
    assert 'ghintel_api_overloaded_total{cap="client"}' in metrics


def _connect(server: Server) -> socket.socket:
    return socket.create_connection((HOST, server.port), timeout=5)


def _read_all(sock: socket.socket, limit_s: float = 5.0) -> bytes:
    sock.settimeout(limit_s)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except (ConnectionResetError, TimeoutError):
        pass
    return b"".join(chunks)


def _answers(sock: socket.socket, count: int) -> list[bytes]:
    """``count`` complete HTTP answers (head + Content-Length body) read from ``sock``."""
    sock.settimeout(5)
    raw, answers = b"", []
    while len(answers) < count:
        head_end = raw.find(b"\r\n\r\n")
        if head_end >= 0:
            head = raw[:head_end].lower()
            length = int(head.split(b"content-length: ")[1].split(b"\r\n")[0])
            if len(raw) >= head_end + 4 + length:
                answers.append(raw[: head_end + 4 + length])
                raw = raw[head_end + 4 + length :]
                continue
        chunk = sock.recv(65536)
        assert chunk, (answers, raw)
        raw += chunk
    return answers


def _json_error(raw: bytes, status: int) -> dict:
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status}".encode()), head
    assert b"content-type: application/json" in head.lower()
    return orjson.loads(body)


def test_oversized_request_head_is_refused_without_reading_it(server):
    sock = _connect(server)
    sent = 0
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        for _ in range(512):  # up to 32 MiB; the server must stop reading long before
            sock.sendall(b"a" * 65536)
            sent += 65536
    except (BrokenPipeError, ConnectionResetError):
        pass
    raw = _read_all(sock)
    sock.close()
    assert sent < 4 << 20, sent
    body = _json_error(raw, 400)
    assert body["error"] == "bad_request" and body["request_id"] and str(MAX_HEAD) in body["message"]


def test_garbage_gets_the_json_envelope(server):
    sock = _connect(server)
    sock.sendall(b"HELLO THERE\r\n\r\n")
    body = _json_error(_read_all(sock), 400)
    sock.close()
    assert body["error"] == "bad_request" and len(body["request_id"]) == 32


def test_half_sent_heads_are_closed_at_the_deadline(server):
    socks = [_connect(server) for _ in range(100)]
    try:
        for sock in socks:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # never finished
        trickler = _connect(server)
        socks.append(trickler)
        trickler.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        started = time.monotonic()
        closed_at = None
        for _ in range(20):  # one header byte every 0.15 s does not keep the clock from running
            try:
                trickler.sendall(b"a")
            except (BrokenPipeError, ConnectionResetError):
                closed_at = time.monotonic() - started
                break
            time.sleep(0.15)
        # a complete request still gets through while they hang
        assert httpx.get(server.url + "/health", timeout=5).status_code == 200
        time.sleep(HEAD_TIMEOUT_S + 0.5)
        for sock in socks[:-1]:
            assert _read_all(sock, limit_s=2.0) == b""  # closed by the server, nothing answered
        assert closed_at is None or closed_at < HEAD_TIMEOUT_S + 1.5
        assert _read_all(trickler, limit_s=2.0) == b""
    finally:
        for sock in socks:
            sock.close()


def test_idle_keep_alive_connections_are_closed(server):
    sock = _connect(server)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    first = _answers(sock, 1)[0]
    assert first.startswith(b"HTTP/1.1 200")
    assert b"x-content-type-options: nosniff" in first.lower()
    started = time.monotonic()
    assert _read_all(sock, limit_s=KEEP_ALIVE_S + 3) == b""
    assert time.monotonic() - started < KEEP_ALIVE_S + 2
    sock.close()


def test_heads_under_the_limit_pass_in_pieces_and_pipelined(server):
    sock = _connect(server)
    try:
        # a 12 KiB head (limit 16 KiB) in 1 KiB pieces: counted across reads, not refused
        head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 12000 + b"\r\n\r\n"
        for start in range(0, len(head), 1024):
            sock.sendall(head[start : start + 1024])
            time.sleep(0.005)
        # then two requests in one write: both answered, in order, on the same connection
        sock.sendall(
            b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /nowhere HTTP/1.1\r\nHost: x\r\nX-API-Key: probe\r\n\r\n"
        )
        first, second, third = _answers(sock, 3)
    finally:
        sock.close()
    assert first.startswith(b"HTTP/1.1 200") and second.startswith(b"HTTP/1.1 200"), (first, second)
    assert third.startswith(b"HTTP/1.1 404"), third


def test_every_head_of_a_keep_alive_connection_is_bounded_and_timed(server):
    sock = _connect(server)
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _answers(sock, 1)[0].startswith(b"HTTP/1.1 200")
        # the second head grows past the limit: 400 with the envelope, nothing more read
        sent = 0
        try:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
            for _ in range(256):
                sock.sendall(b"a" * 65536)
                sent += 65536
        except (BrokenPipeError, ConnectionResetError):
            pass
        raw = _read_all(sock)
    finally:
        sock.close()
    assert sent < 4 << 20, sent
    assert _json_error(raw, 400)["error"] == "bad_request"

    sock = _connect(server)
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _answers(sock, 1)[0].startswith(b"HTTP/1.1 200")
        # after the answer, half a head that never ends is closed at the deadline, unanswered
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        assert _read_all(sock, limit_s=HEAD_TIMEOUT_S + 3) == b""
        assert time.monotonic() - started < HEAD_TIMEOUT_S + 2
    finally:
        sock.close()


def test_websocket_upgrades_are_answered_as_plain_requests(server):
    sock = _connect(server)
    try:
        sock.sendall(
            b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        answer = _answers(sock, 1)[0]
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 200") and b'"status"' in answer, answer[:200]
