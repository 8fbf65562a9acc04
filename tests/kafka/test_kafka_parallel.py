"""ParallelProducer: the RawEventProducer contract over worker processes."""

import os
import signal
from collections import Counter

import pytest

from ghintel_pipeline.lib.kafka.broker import free_port
from ghintel_pipeline.lib.kafka.consumer import read_all
from ghintel_pipeline.lib.kafka.parallel import ParallelProducer
from ghintel_pipeline.lib.kafka.producer import ProducerError

HEADERS_A = [("source", b"test"), ("file", b"a")]
HEADERS_B = [("source", b"test"), ("file", b"b")]


def test_every_record_once_keys_kept_together_and_counted_per_tag(bootstrap, topic):
    sent = [(f'{{"n":{i}}}'.encode(), str(i % 13).encode() if i % 5 else None) for i in range(2500)]
    with ParallelProducer(bootstrap, topic, workers=2) as producer:
        for i, (value, key) in enumerate(sent):
            producer.send(value, key, HEADERS_A if i < 1200 else HEADERS_B, tag=0 if i < 1200 else 1)
        report = producer.flush()
    assert (report.produced, report.failed) == (2500, 0)
    assert report.by_tag == {0: [1200, 0], 1: [1300, 0]}
    records = read_all(bootstrap, topic)
    assert Counter(r.value for r in records) == Counter(v for v, _ in sent)
    assert {r.value: r.header("file") for r in records}[b'{"n":1300}'] == b"b"
    partitions: dict[bytes, set[int]] = {}
    for r in records:
        if r.key is not None:
            partitions.setdefault(r.key, set()).add(r.partition)
    assert all(len(p) == 1 for p in partitions.values()), "a key lands in one partition whatever the worker"


def test_a_dead_worker_counts_its_records_failed(bootstrap, topic):
    producer = ParallelProducer(bootstrap, topic, workers=2)
    try:
        victim = producer._slots[0].process
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(5)
        for i in range(400):
            producer.send(b"v%d" % i, b"%d" % i, HEADERS_A, tag="t")
        report = producer.flush()
    finally:
        producer.close()
    assert report.produced + report.failed == 400
    assert report.failed > 0 and report.produced > 0
    assert any("WorkerDied" in e for e in report.errors)
    assert len(read_all(bootstrap, topic)) == report.produced


def test_unreachable_broker_fails_at_start():
    with pytest.raises(ProducerError, match="cannot reach Kafka"):
        ParallelProducer(f"127.0.0.1:{free_port()}", "t", workers=2, delivery_timeout_s=2)


def test_closed_parallel_producer_refuses_sends_and_closes_once(bootstrap, topic):
    producer = ParallelProducer(bootstrap, topic, workers=2)
    producer.send(b"v", b"k", HEADERS_A, tag="t")
    assert producer.close().produced == 1
    assert all(not slot.process.is_alive() for slot in producer._slots)
    assert producer.close().produced == 0  # a second close reports nothing new
    with pytest.raises(ProducerError, match="closed"):
        producer.send(b"v", b"k", HEADERS_A)
