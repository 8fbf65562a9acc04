"""RawEventProducer on real brokers: confirmed counts, outages, broker restarts."""

import time
import uuid
from types import SimpleNamespace

import pytest

from ghintel_pipeline.lib.kafka.broker import ensure_topic, free_port, start_broker, stop_broker
from ghintel_pipeline.lib.kafka.consumer import read_all
from ghintel_pipeline.lib.kafka.producer import ProducerError, RawEventProducer

HEADERS = [("source", b"test")]


def values(prefix: str, n: int) -> list[bytes]:
    return [f'{{"id":"{prefix}{i}"}}'.encode() for i in range(n)]


def send_all(producer: RawEventProducer, records: list[tuple], how: str, tag=None) -> None:
    """``(value, key, headers)`` records one ``send`` at a time, or in one ``send_many``."""
    if how == "send_many":
        assert producer.send_many(iter(records), tag=tag) == len(records)
    else:
        for value, key, headers in records:
            producer.send(value, key, headers, tag=tag)


SENDS = pytest.mark.parametrize("how", ["send", "send_many"])


@SENDS
def test_counts_only_confirmed_records_and_reports_per_flush(bootstrap, topic, how):
    sent = values("a", 1300)  # more than SWEEP_EVERY: send_many polls inside its loop
    with RawEventProducer(bootstrap, topic) as producer:
        for parity, tag in ((0, "even"), (1, "odd")):
            records = [(v, str(i % 7).encode() if i % 10 else None, HEADERS) for i, v in enumerate(sent)]
            send_all(producer, records[parity::2], how, tag)
        report = producer.flush()
        assert (report.produced, report.failed, report.ok) == (1300, 0, True)
        assert report.by_tag == {"even": [650, 0], "odd": [650, 0]}
        assert report.bytes == sum(len(v) for v in sent)
        assert producer.flush().produced == 0, "a flush reports what was sent since the previous one"
        assert producer.totals.produced == 1300
    records = read_all(bootstrap, topic)
    assert sorted(r.value for r in records) == sorted(sent)
    assert all(r.header("source") == b"test" for r in records)
    by_key = {}
    for r in records:
        by_key.setdefault(r.key, set()).add(r.partition)
    assert None in by_key and all(len(parts) == 1 for k, parts in by_key.items() if k is not None)


@SENDS
def test_oversized_record_is_counted_failed_not_raised(bootstrap, topic, how):
    with RawEventProducer(bootstrap, topic, max_request_size=64 * 1024) as producer:
        send_all(producer, [(b"x" * 100_000, b"1", HEADERS)], how, "big")
        send_all(producer, [(b"{}", b"1", HEADERS)], how, "small")
        report = producer.flush()
    assert (report.produced, report.failed) == (1, 1)
    assert report.by_tag == {"big": [0, 1], "small": [1, 0]}
    assert "MSG_SIZE_TOO_LARGE" in report.errors[0]


def test_unreachable_broker_at_start_is_a_quick_clear_error():
    t0 = time.monotonic()
    port = free_port()
    with pytest.raises(ProducerError, match=f"cannot reach Kafka at 127.0.0.1:{port}"):
        RawEventProducer(f"127.0.0.1:{port}", "t", delivery_timeout_s=2)
    assert time.monotonic() - t0 < 10


def test_closed_producer_refuses_sends(bootstrap, topic):
    producer = RawEventProducer(bootstrap, topic)
    producer.close()
    with pytest.raises(ProducerError, match="closed"):
        producer.send(b"{}", None, HEADERS)


# murmur2 of these keys as the Java client computes it (Kafka's UtilsTest.testMurmur2).
JAVA_MURMUR2 = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


@pytest.mark.slow
def test_keys_land_on_the_java_clients_partitions(bootstrap):
    topic = f"murmur_{uuid.uuid4().hex[:8]}"
    ensure_topic(bootstrap, topic, 5)
    with RawEventProducer(bootstrap, topic) as producer:
        for key in JAVA_MURMUR2:
            producer.send(key, key, HEADERS)
        assert producer.flush().produced == len(JAVA_MURMUR2)
    got = {r.key: r.partition for r in read_all(bootstrap, topic)}
    assert got == {key: (h & 0x7FFFFFFF) % 5 for key, h in JAVA_MURMUR2.items()}


@pytest.fixture
def private_broker(tmp_path):
    """A broker of this test alone, so that it can be stopped and restarted."""
    home = tmp_path / "broker"
    info = start_broker(home, port=free_port(), topic="raw", partitions=3)
    yield SimpleNamespace(home=home, info=info, bootstrap=info.bootstrap, port=info.port)
    stop_broker(home)


@pytest.mark.slow
def test_broker_outage_fails_in_bounded_time_with_an_accurate_count(private_broker):
    producer = RawEventProducer(private_broker.bootstrap, "raw", delivery_timeout_s=3, max_retries=2)
    try:
        for v in values("before", 200):
            producer.send(v, b"1", HEADERS)
        assert producer.flush().produced == 200
        stop_broker(private_broker.home)
        t0 = time.monotonic()
        for v in values("after", 300):
            producer.send(v, b"1", HEADERS)
        report = producer.flush()
        elapsed = time.monotonic() - t0
    finally:
        producer.close(timeout_s=1)
    assert (report.produced, report.failed) == (0, 300)
    assert elapsed < 3 + 10, "bounded by the delivery timeout, not by retries forever"
    assert producer.broker_unreachable
    assert report.errors and "_MSG_TIMED_OUT" in report.errors[0]
    assert producer.totals.produced == 200 and producer.totals.failed == 300


@pytest.mark.slow
@SENDS
def test_broker_restart_recreates_the_producer_and_resends(private_broker, how):
    producer = RawEventProducer(private_broker.bootstrap, "raw", delivery_timeout_s=15)
    try:
        for v in values("before", 200):
            producer.send(v, b"5", HEADERS)
        assert producer.flush().produced == 200
        stop_broker(private_broker.home)
        start_broker(private_broker.home, port=private_broker.port, topic="raw", partitions=3)
        ensure_topic(private_broker.bootstrap, "raw", 3)
        after = values("after", 1100)  # more than SWEEP_EVERY: send_many may recreate inside its loop
        send_all(producer, [(v, str(len(v)).encode(), HEADERS) for v in after], how)
        report = producer.flush()
    finally:
        producer.close()
    assert report.failed == 0, report.errors
    assert report.produced == len(after) and report.recreated == 1 and report.resent >= 1
    got = [r.value for r in read_all(private_broker.bootstrap, "raw")]
    assert set(got) == set(after), "the memory-only broker lost the first 200; all later ones arrived"
    assert len(got) <= len(after) + report.resent, (
        "re-sending may duplicate, never more than what was re-sent"
    )
