"""``RawEventProducer``: raw GitHub event bytes into Kafka, counting only confirmed deliveries.

Guarantees and choices (docs/producers.md explains them for users):

- ``acks="all"`` and ``enable_idempotence=True`` are set explicitly: kafka-python silently turns
  idempotence off when acks/retries are overridden without it.
- A record counts as *produced* only once its future succeeded (the broker acknowledged it).
  Everything sent is accounted for in exactly one :class:`DeliveryReport` as produced or failed;
  nothing is dropped silently.
- Outage: the client's bounded retries (``max_retries``) within ``delivery_timeout_s`` decide;
  after that the records are *failed* with the client's error. ``flush()`` returns within about
  ``delivery_timeout_s``.
- Broker restart (Tansu is memory-only): the idempotent producer's id is unknown to the new broker,
  kafka-python fails the in-flight batches with ``UnknownProducerIdError`` and then goes into a
  fatal state (every later send fails). We then recreate the producer once and re-send the
  records that failed that way, once. A re-sent record may already have been written before the
  failure, so this can duplicate a record; silver deduplicates by event id, which absorbs it.
  A second such failure of the same record counts it as failed.
- Throughput: large batches (1 MiB, 50 ms linger) and a caching murmur2 partitioner (the pure
  Python murmur2 of kafka-python is a visible share of the per-record cost); ``crc32c`` (C) is a
  dependency because kafka-python's pure-Python CRC otherwise dominates. Compression is off by
  default: on this 2-core machine gzip costs more CPU than the bytes it saves on loopback
  (``ghintel bench produce --compression gzip`` measures it).
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Hashable
from dataclasses import dataclass, field

from kafka import KafkaProducer
from kafka.errors import (
    InvalidProducerEpochError,
    KafkaError,
    KafkaTimeoutError,
    OutOfOrderSequenceNumberError,
    UnknownProducerIdError,
)
from kafka.partitioner.default import DefaultPartitioner, murmur2

# Errors that mean "this producer's identity is dead on the broker", not "this record is bad".
PRODUCER_STATE_ERRORS = (UnknownProducerIdError, OutOfOrderSequenceNumberError, InvalidProducerEpochError)
MAX_ERROR_LINES = 10
RECREATE_COOLDOWN_S = 30.0


class ProducerError(RuntimeError):
    """The producer cannot be used (closed, or Kafka unreachable when connecting)."""


class CachingPartitioner(DefaultPartitioner):
    """The Java client's murmur2 key partitioning, with each key's hash computed once.

    Same partition for a key as every other Kafka client; only the hash is cached (repo ids
    repeat a lot within an hour). The partition count is read per call, so a topic that grows
    partitions is followed.
    """

    MAX_KEYS = 200_000

    def __init__(self) -> None:
        self._hashes: dict[bytes, int] = {}

    def partition(self, topic, key, serialized_key, value, serialized_value, cluster):
        if serialized_key is None:
            return super().partition(topic, key, serialized_key, value, serialized_value, cluster)
        h = self._hashes.get(serialized_key)
        if h is None:
            if len(self._hashes) >= self.MAX_KEYS:
                self._hashes.clear()
            h = self._hashes[serialized_key] = murmur2(serialized_key) & 0x7FFFFFFF
        parts = cluster.partitions_for_topic(topic)
        if parts is None:
            raise ValueError(f"Topic {topic} not found in ClusterMetadata")
        return sorted(parts)[h % len(parts)]


@dataclass
class DeliveryReport:
    """Outcome of the records sent since the previous ``flush()`` (or cumulative: ``totals``)."""

    produced: int = 0
    failed: int = 0
    bytes: int = 0  # value bytes confirmed
    errors: list[str] = field(default_factory=list)  # "<count> x <Error>: <first message>"
    resent: int = 0  # records re-sent once after the producer was recreated
    recreated: int = 0  # producer recreations (broker restart, fatal producer state)
    by_tag: dict[Hashable, list[int]] = field(default_factory=dict)  # tag -> [produced, failed]

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def merge(self, other: DeliveryReport) -> None:
        self.produced += other.produced
        self.failed += other.failed
        self.bytes += other.bytes
        self.resent += other.resent
        self.recreated += other.recreated
        for line in other.errors:
            if line not in self.errors and len(self.errors) < MAX_ERROR_LINES:
                self.errors.append(line)
        for tag, (ok, bad) in other.by_tag.items():
            counts = self.by_tag.setdefault(tag, [0, 0])
            counts[0] += ok
            counts[1] += bad


class EventProducer:
    """What every producer offers: ``send`` / ``flush`` / ``close`` / ``totals`` / ``broker_unreachable``,
    usable as a context manager. Subclasses define ``flush``, ``_queue(value, key, headers, tag)`` (one
    record), ``_final_report(timeout_s)`` (what is pending, when closing) and ``_release()`` (clients)."""

    _closed = False
    totals: DeliveryReport

    def send(
        self,
        value: bytes,
        key: bytes | None,
        headers: list[tuple[str, bytes]],
        *,
        tag: Hashable | None = None,
    ) -> None:
        """Queue one record. ``tag`` groups records in ``DeliveryReport.by_tag`` (e.g. per file)."""
        if self._closed:
            raise ProducerError("producer is closed")
        self._queue(value, key, headers, tag)

    def close(self, timeout_s: float | None = None) -> DeliveryReport:
        """Flush what is pending (its report is added to ``totals``) and free the clients."""
        if self._closed:
            return DeliveryReport()
        report = self._final_report(timeout_s)
        self._closed = True
        self._release()
        return report

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class RawEventProducer(EventProducer):
    """Asynchronous producer of raw event bytes; see the module doc for the delivery guarantees.

    ``send()`` never blocks on delivery (except for back-pressure once ``max_pending_bytes`` of
    values are unconfirmed); ``flush()`` waits for every record sent so far and reports them.
    One instance belongs to one thread: the accounting is not locked.
    """

    SWEEP_EVERY = 512

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        *,
        max_retries: int = 5,
        delivery_timeout_s: float = 60,
        linger_ms: int = 50,
        batch_size: int = 1024 * 1024,
        compression: str | None = None,
        max_pending_bytes: int = 64 * 1024 * 1024,
        max_request_size: int = 4 * 1024 * 1024,
        connect_timeout_s: float | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.delivery_timeout_s = float(delivery_timeout_s)
        self.connect_timeout_s = connect_timeout_s or min(10.0, self.delivery_timeout_s)
        delivery_ms = max(int(self.delivery_timeout_s * 1000), linger_ms + 1000)
        self._config = dict(
            bootstrap_servers=bootstrap,
            acks="all",
            enable_idempotence=True,
            retries=max_retries,
            retry_backoff_ms=200,
            delivery_timeout_ms=delivery_ms,
            # Kafka requires delivery_timeout >= linger + request_timeout.
            request_timeout_ms=min(30_000, delivery_ms - linger_ms),
            max_block_ms=min(10_000, delivery_ms),
            linger_ms=linger_ms,
            batch_size=batch_size,
            compression_type=compression,
            max_request_size=max_request_size,
            reconnect_backoff_max_ms=1_000,
            bootstrap_timeout_ms=int(self.connect_timeout_s * 1000),
            partitioner=CachingPartitioner(),
        )
        self.max_pending_bytes = max_pending_bytes
        # (future, value, key, headers, tag, attempt) in send order.
        self._pending: deque[tuple] = deque()
        self._pending_bytes = 0
        self._resend: list[tuple] = []
        self._report = DeliveryReport()
        self._errors: Counter[str] = Counter()
        self._first_error: dict[str, str] = {}
        self.totals = DeliveryReport()
        self.broker_unreachable = False  # a delivery or metadata wait timed out
        self._sends = 0
        self._closed = False
        # True after a recreation until a record is delivered: another recreation before that would
        # only loop on a broker that rejects every producer, so it waits RECREATE_COOLDOWN_S.
        self._recreated_unproven = False
        self._last_create_attempt = 0.0
        self._connect_error = ""
        self._producer: KafkaProducer | None = self._create()

    # -- lifecycle -------------------------------------------------------------------------------
    def _create(self) -> KafkaProducer:
        self._last_create_attempt = time.monotonic()
        try:
            producer = KafkaProducer(**self._config)
        except KafkaError as exc:
            raise ProducerError(
                f"cannot reach Kafka at {self.bootstrap} within {self.connect_timeout_s:.0f}s: {exc}"
            ) from exc
        self.broker_unreachable = False
        return producer

    def _final_report(self, timeout_s: float | None) -> DeliveryReport:
        return self.flush(timeout_s)

    def _release(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None

    # -- sending ---------------------------------------------------------------------------------
    def _queue(
        self, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]], tag: Hashable
    ) -> None:
        self._send_one(value, key, headers, tag, 0)
        self._sends += 1
        if self._sends % self.SWEEP_EVERY == 0 or self._pending_bytes > self.max_pending_bytes:
            self._sweep()
            if self._resend:
                self._recreate_and_resend()
            while self._pending_bytes > self.max_pending_bytes and self._pending:
                self._wait_oldest()

    def _send_one(self, value, key, headers, tag, attempt: int) -> None:
        if self._producer is None and not self._try_reconnect():
            self._fail(tag, "ProducerError", f"no producer: {self._connect_error}")
            return
        try:
            future = self._producer.send(self.topic, value=value, key=key, headers=headers)
        except KafkaError as exc:
            # Metadata wait timed out (max_block_ms), record too large, or closed client.
            if isinstance(exc, KafkaTimeoutError):
                self.broker_unreachable = True
            self._fail(tag, type(exc).__name__, str(exc))
            return
        self._pending.append((future, value, key, headers, tag, attempt))
        self._pending_bytes += len(value)

    def _try_reconnect(self) -> bool:
        # After a failed recreation, try again at most every few seconds so that a long-running
        # poller recovers when the broker is back, without stalling every send on a dead broker.
        if time.monotonic() - self._last_create_attempt < 5.0:
            return False
        try:
            self._producer = self._create()
        except ProducerError as exc:
            self._connect_error = str(exc)
            return False
        return True

    # -- accounting ------------------------------------------------------------------------------
    def _count_error(self, name: str, message: str) -> None:
        self._errors[name] += 1
        self._first_error.setdefault(name, message)

    def _fail(self, tag, name: str, message: str) -> None:
        self._report.failed += 1
        self._report.by_tag.setdefault(tag, [0, 0])[1] += 1
        self._count_error(name, message)

    def _account(self, entry: tuple) -> None:
        future, value, _key, _headers, tag, attempt = entry
        self._pending_bytes -= len(value)
        exc = future.exception
        if exc is None:
            self._report.produced += 1
            self._report.bytes += len(value)
            self._report.by_tag.setdefault(tag, [0, 0])[0] += 1
            self._recreated_unproven = False
            return
        if isinstance(exc, KafkaTimeoutError):
            self.broker_unreachable = True
        if attempt == 0 and self._resendable(exc):
            self._resend.append(entry)
        else:
            self._fail(tag, type(exc).__name__, str(exc))

    def _resendable(self, exc: BaseException) -> bool:
        if isinstance(exc, PRODUCER_STATE_ERRORS):
            return True
        # After an UnknownProducerIdError kafka-python tries to bump the epoch; Tansu refuses and
        # the client enters a fatal state, failing every later batch with a bare KafkaError.
        manager = getattr(self._producer, "_transaction_manager", None)
        fatal = getattr(manager, "has_fatal_error", None)
        return bool(callable(fatal) and fatal())

    def _sweep(self) -> None:
        while self._pending and self._pending[0][0].is_done:
            self._account(self._pending.popleft())

    def _wait_oldest(self) -> None:
        future = self._pending[0][0]
        try:
            future.get(timeout=self.delivery_timeout_s + 10)
        except KafkaError:
            pass  # accounted by the sweep
        if not future.is_done:
            self._account_unconfirmed(self._pending.popleft())
        self._sweep()

    def _account_unconfirmed(self, entry: tuple) -> None:
        self._pending_bytes -= len(entry[1])
        self._fail(
            entry[4],
            "NotConfirmed",
            f"no acknowledgement within {self.delivery_timeout_s + 10:.0f}s (may still arrive)",
        )

    def _settle(self, timeout_s: float) -> None:
        """Wait for every pending record and account for it."""
        if self._producer is not None and self._pending:
            try:
                self._producer.flush(timeout=timeout_s)
            except KafkaError:
                pass  # unconfirmed records are failed below
        while self._pending:
            entry = self._pending.popleft()
            if entry[0].is_done:
                self._account(entry)
            else:
                self._account_unconfirmed(entry)

    def _recreate_and_resend(self) -> None:
        """The broker forgot our producer id (restart): new producer, re-send those records once."""
        self._settle(self.delivery_timeout_s + 10)  # the old producer's remaining futures settle first
        entries, self._resend = self._resend, []
        if self._recreated_unproven and time.monotonic() - self._last_create_attempt < RECREATE_COOLDOWN_S:
            for entry in entries:
                exc = entry[0].exception
                self._fail(
                    entry[4],
                    type(exc).__name__,
                    f"{exc} (producer already recreated, nothing delivered since)",
                )
            return
        old, self._producer = self._producer, None
        if old is not None:
            old.close(timeout=2)
        try:
            self._producer = self._create()
        except ProducerError as exc:
            self._connect_error = str(exc)
            for entry in entries:
                self._fail(entry[4], "ProducerError", str(exc))
            return
        self._report.recreated += 1
        self._recreated_unproven = True
        for _future, value, key, headers, tag, _attempt in entries:
            self._report.resent += 1
            self._send_one(value, key, headers, tag, 1)

    def flush(self, timeout_s: float | None = None) -> DeliveryReport:
        """Wait for all sent records; return what happened to them since the previous flush."""
        timeout = self.delivery_timeout_s + 10 if timeout_s is None else timeout_s
        self._settle(timeout)
        if self._resend:
            self._recreate_and_resend()
            self._settle(timeout)
        report, self._report = self._report, DeliveryReport()
        report.errors = [
            f"{count} x {name}: {self._first_error[name]}"
            for name, count in self._errors.most_common(MAX_ERROR_LINES)
        ]
        self._errors.clear()
        self._first_error.clear()
        self.totals.merge(report)
        return report
