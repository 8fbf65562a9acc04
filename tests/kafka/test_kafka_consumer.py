"""Reading exact offset ranges with assign()+seek() on the real embedded broker."""

import time

import pytest
from confluent_kafka import Producer

from ghintel_pipeline.lib.kafka.broker import free_port
from ghintel_pipeline.lib.kafka.consumer import (
    ConsumerError,
    open_consumer,
    read_all,
    read_range,
    topic_offsets,
)


@pytest.fixture
def thousand(bootstrap, topic) -> list[bytes]:
    """1,000 records on partition 0 (offsets 0..999), in several batches; 1 and 2 stay empty."""
    values = [b"%04d" % i + b"." * 96 for i in range(1000)]
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 5,
            "batch.size": 16384,
        }
    )
    try:
        for v in values:
            producer.produce(topic, v, v[:4], partition=0, headers=[("source", b"test")])
        assert producer.flush(30) == 0
    finally:
        producer.close()
    return values


def test_topic_offsets_end_is_a_lower_bound_on_tansu(bootstrap, topic, thousand):
    offsets = topic_offsets(bootstrap, topic)
    assert set(offsets) == {0, 1, 2}
    assert offsets[1] == offsets[2] == (0, 0)
    earliest, end = offsets[0]
    assert earliest == 0
    # Tansu answers base offset of the last batch + 1 (Kafka would say 1000): never size reads from it.
    assert 1 <= end <= 1000


def test_read_range_exact_ranges_and_limits(bootstrap, topic, thousand):
    whole = read_range(bootstrap, topic, 0, 0)
    assert [r.offset for r in whole.records] == list(range(1000))
    assert [r.value for r in whole.records] == thousand
    assert whole.reached_end and whole.next_offset == 1000
    first = whole.records[0]
    assert first.key == b"0000" and first.header("source") == b"test" and first.partition == 0
    assert whole.bytes == 100 * 1000

    mid = read_range(bootstrap, topic, 0, 250, 260)
    assert [r.offset for r in mid.records] == list(range(250, 260))
    assert mid.reached_end and mid.next_offset == 260

    capped = read_range(bootstrap, topic, 0, 0, None, max_records=100)
    assert len(capped.records) == 100 and not capped.reached_end and capped.next_offset == 100

    by_bytes = read_range(bootstrap, topic, 0, 10, None, max_bytes=1000)
    assert [r.offset for r in by_bytes.records] == list(range(10, 20))

    at_end = read_range(bootstrap, topic, 0, 1000)
    assert at_end.records == [] and at_end.reached_end and at_end.next_offset == 1000
    assert read_range(bootstrap, topic, 1, 0).records == []
    assert read_range(bootstrap, topic, 0, 5, 5).records == []


def test_chained_reads_with_one_consumer_cover_everything_once(bootstrap, topic, thousand):
    seen = []
    offset = 0
    with open_consumer(bootstrap) as consumer:
        while True:
            part = read_range(bootstrap, topic, 0, offset, max_records=333, consumer=consumer)
            seen.extend(r.offset for r in part.records)
            offset = part.next_offset
            if part.reached_end:
                break
    assert seen == list(range(1000))
    assert sorted(r.value for r in read_all(bootstrap, topic)) == thousand


def test_unreachable_broker_is_a_bounded_clear_error():
    t0 = time.monotonic()
    with pytest.raises(ConsumerError, match="cannot reach Kafka"):
        read_range(f"127.0.0.1:{free_port()}", "nope", 0, 0, timeout_s=2)
    assert time.monotonic() - t0 < 10
