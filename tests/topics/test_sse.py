"""/stream/events over a real uvicorn server (subprocess, free port), real broker, empty lake.

The messages are real clean-topic messages (a real GH Archive slice ingested and published once),
re-produced onto the topic the server follows while the clients are connected.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx
import orjson
import pytest

from ghintel_pipeline.lib.kafka.broker import free_port, port_open
from ghintel_pipeline.lib.kafka.producer import RawEventProducer
from ghintel_pipeline.lib.lake import run_ingest
from ghintel_pipeline.lib.settings import Settings
from ghintel_pipeline.lib.topics.schema import ensure_subscriber_topics
from ghintel_pipeline.lib.topics.tail import open_reader, poll_messages
from tests.conftest import HOUR_0, REPO_ROOT
from tests.lake.conftest import file_lines, produce

pytestmark = [pytest.mark.broker, pytest.mark.slow]
KEY = "sse-test-key"
HEADERS = {"X-API-Key": KEY}
# A client that never reads is stuck once ~100 KB wait in its socket and uvicorn's write buffer,
# so 2 copies of the slice overflow its queue; the fast client may lag a full second on a loaded
# machine without reaching the bound.
BUFFER = 1500
COPIES = 2


@pytest.fixture(scope="module")
def clean_messages(bootstrap, tmp_path_factory) -> list:
    raw = f"sse_raw_{os.getpid()}"
    settings = Settings(
        ghintel_home=tmp_path_factory.mktemp("sse-lake"),
        kafka_bootstrap_servers=bootstrap,
        ghintel_topic=raw,
        ghintel_clean_topic=f"{raw}_clean",
        ghintel_quarantine_topic=f"{raw}_quarantine",
        ghintel_anomalies_topic=f"{raw}_anomalies",
    )
    ensure_subscriber_topics(bootstrap, settings)
    produce(bootstrap, raw, file_lines(HOUR_0)[:3000], hour="2015-01-01-0")
    written = run_ingest(settings).silver.silver_written
    consumer = open_reader(bootstrap, settings.ghintel_clean_topic, from_beginning=True)
    messages: list = []
    deadline = time.monotonic() + 30
    while len(messages) < written and time.monotonic() < deadline:
        messages.extend(poll_messages(consumer))
    consumer.close()
    assert len(messages) == written
    return messages


@pytest.fixture(scope="module")
def server(bootstrap, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("sse-api")
    port = free_port()
    topic = f"sse_{os.getpid()}_{port}"
    env = {
        **os.environ,
        "GHINTEL_HOME": str(tmp_path / "home"),  # no lake at all
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "GHINTEL_CLEAN_TOPIC": topic,
        "GHINTEL_ANOMALIES_TOPIC": f"{topic}_anomalies",
        "GHINTEL_API_KEYS": KEY,
        "GHINTEL_STREAM_MAX_CLIENTS": "3",
        "GHINTEL_STREAM_CLIENT_BUFFER": str(BUFFER),
    }
    cmd = [sys.executable, "-m", "ghintel_pipeline.cli.main", "api", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not port_open("127.0.0.1", port):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()[-2000:]
        time.sleep(0.2)
    yield {"url": f"http://127.0.0.1:{port}", "port": port, "topic": topic}
    proc.terminate()
    proc.wait(timeout=15)


class SseClient(threading.Thread):
    """Reads one stream with httpx until ``want`` events (or its end); parses the SSE frames."""

    def __init__(self, url: str, params: dict, want: int | None = None):
        super().__init__(daemon=True)
        self.url, self.params, self.want = url, params, want
        self.frames: list[tuple[str, dict]] = []
        self.opened = threading.Event()
        self.status: int | None = None
        self.ended_by: Exception | None = None

    def run(self) -> None:
        try:
            self._read()
        except httpx.HTTPError as exc:  # the server closed the stream (its shutdown)
            self.ended_by = exc

    def _read(self) -> None:
        with httpx.stream("GET", self.url, params=self.params, headers=HEADERS, timeout=60) as response:
            self.status = response.status_code
            event = None
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    self.frames.append((event, orjson.loads(line[6:])))
                    if event == "open":
                        self.opened.set()
                    if self.want is not None and len(self.events) + len(self.anomalies) >= self.want:
                        return

    @property
    def events(self) -> list[dict]:
        return [data for event, data in self.frames if event == "event"]

    @property
    def anomalies(self) -> list[dict]:
        return [data for event, data in self.frames if event == "anomaly"]


def _raw_slow_client(port: int) -> socket.socket:
    """A client that sends its request and then never reads (tiny receive buffer)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET /stream/events HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY}\r\n\r\n".encode())
    return sock


def _replay(bootstrap: str, topic: str, messages: list, copies: int, per_tick: int = 150) -> int:
    sent = 0
    with RawEventProducer(bootstrap, topic, linger_ms=5) as producer:
        for _ in range(copies):
            for i in range(0, len(messages), per_tick):
                for m in messages[i : i + per_tick]:
                    producer.send(m.raw, m.key.encode(), [(k, v.encode()) for k, v in m.headers.items()])
                    sent += 1
                producer.flush()
                time.sleep(0.1)
    return sent


def _metric(server: dict, line: str, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if line in httpx.get(server["url"] + "/metrics", headers=HEADERS, timeout=10).text.splitlines():
            return True
        time.sleep(0.1)
    return False


def test_sse_anomalies_before_the_lake_has_data(server, bootstrap, tmp_path):
    from deltalake import write_deltalake

    from ghintel_pipeline.lib.lake import lake_table_uri
    from ghintel_pipeline.lib.topics.publish import publish_anomalies
    from tests.topics.test_anomalies import _anomalies

    assert httpx.get(server["url"] + "/health", timeout=10).json()["status"] == "empty"
    stars = SseClient(server["url"] + "/stream/anomalies", {"metric": "stars"}, want=1)
    stars.start()
    assert stars.opened.wait(20) and stars.frames[0][1]["connected"] is True
    gold = Settings(
        ghintel_home=tmp_path,
        kafka_bootstrap_servers=bootstrap,
        ghintel_anomalies_topic=server["topic"] + "_anomalies",
    )
    write_deltalake(
        lake_table_uri(gold, "gold", "anomalies"), _anomalies((1, "pushes", 5.0), (2, "stars", 8.0))
    )
    assert publish_anomalies(gold).messages == 2
    stars.join(20)
    assert [(f[0], f[1]["entity_id"], f[1]["metric"]) for f in stars.frames[1:]] == [("anomaly", 2, "stars")]
    assert _metric(server, 'ghintel_api_stream_clients{stream="anomalies"} 0.0'), (
        "closed stream still counted"
    )


def test_sse_filters_slow_client_drop_and_connection_cap(server, bootstrap, clean_messages):
    url = server["url"] + "/stream/events"
    assert httpx.get(url, timeout=10).status_code == 401  # API keys apply

    repo, _ = Counter(m.value["repo_name"] for m in clean_messages).most_common(1)[0]
    copies = COPIES
    everything = SseClient(url, {}, want=copies * len(clean_messages))
    one_repo = SseClient(url, {"repo": repo})
    for client in (everything, one_repo):
        client.start()
        assert client.opened.wait(20), "no open event"
    assert everything.frames[0][1]["connected"] is True
    slow = _raw_slow_client(server["port"])
    time.sleep(1.0)
    capped = httpx.get(url, headers=HEADERS, timeout=10)
    assert capped.status_code == 503 and capped.json()["error"] == "too_many_streams"
    assert _metric(server, 'ghintel_api_stream_clients{stream="events"} 3.0')
    assert _metric(server, "ghintel_api_stream_rejected_total 1.0")

    sent = _replay(bootstrap, server["topic"], clean_messages, copies)
    everything.join(60)
    assert len(everything.events) == sent  # a fast client gets every message, in spite of the slow one
    assert Counter(e["event_id"] for e in everything.events) == Counter(
        m.key for m in clean_messages for _ in range(copies)
    )
    expected_repo = [m.key for m in clean_messages if m.value["repo_name"] == repo] * copies
    deadline = time.monotonic() + 10
    while len(one_repo.events) < len(expected_repo) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sorted(e["event_id"] for e in one_repo.events) == sorted(expected_repo)
    assert {e["repo_name"] for e in one_repo.events} == {repo}

    slow.settimeout(10)
    received = b""
    while chunk := slow.recv(1 << 16):
        received += chunk
        if b"event: dropped" in received:
            break
    slow.close()
    tail = received[received.rindex(b"event: dropped") :]
    assert f"client too slow: {BUFFER} messages were waiting".encode() in tail
    assert _metric(server, 'ghintel_api_stream_dropped_total{stream="events"} 1.0')
