"""``RawEventProducer``: raw GitHub event bytes into Kafka, counting only confirmed deliveries.

Guarantees and choices (docs/producers.md explains them for users):

- confluent-kafka (librdkafka) with ``enable.idempotence=true`` and ``acks=all`` set explicitly.
- A record counts as *produced* only once its delivery report succeeded (the broker acknowledged
  it). Everything sent is accounted for in exactly one :class:`DeliveryReport` as produced or
  failed; nothing is dropped silently.
- Outage: the client's bounded retries within ``delivery_timeout_s`` (``message.timeout.ms``)
  decide; after that the records are *failed* with the client's error (``_MSG_TIMED_OUT``).
  ``flush()`` returns within about ``delivery_timeout_s``.
- Broker restart (Tansu is memory-only): the new broker does not know the idempotent producer's
  id. librdkafka answers ``UNKNOWN_PRODUCER_ID`` by bumping its epoch locally and retrying, which
  Tansu keeps refusing until the records time out. An epoch bump while the broker is up (``eos``
  in the client's statistics) therefore purges the client; the purged records, and those failed with a
  producer-state error or in the client's fatal state, are re-sent once from a recreated producer. A re-sent
  record may already have been written before the failure, so this can duplicate a record;
  silver deduplicates by event id, which absorbs it. A second such failure counts it as failed.
- Keys are partitioned with ``murmur2_random``: the Java client's murmur2 for keyed records (same
  partition as every other Kafka client), random for records without a key.
- Compression is off by default: on this 2-core machine gzip costs more CPU than the bytes it
  saves on loopback (``ghintel bench produce --compression gzip`` measures it).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from functools import partial

import orjson
from confluent_kafka import KafkaError, KafkaException, Producer

from ghintel_pipeline.lib.kafka.client import LOG

# Errors that mean "this producer's identity is dead on the broker", not "this record is bad".
PRODUCER_STATE_ERRORS = frozenset(
    {
        KafkaError.UNKNOWN_PRODUCER_ID,
        KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER,
        KafkaError.INVALID_PRODUCER_EPOCH,
        KafkaError._FATAL,
        KafkaError._PURGE_QUEUE,
        KafkaError._PURGE_INFLIGHT,
    }
)
# Errors that mean "no broker answered in time".
UNREACHABLE_ERRORS = frozenset(
    {KafkaError._MSG_TIMED_OUT, KafkaError._TIMED_OUT, KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN}
)
MAX_ERROR_LINES = 10
STATS_INTERVAL_MS = 500  # how soon a producer id the broker forgot is noticed
RECREATE_COOLDOWN_S = 30.0


class ProducerError(RuntimeError):
    """The producer cannot be used (closed, or Kafka unreachable when connecting)."""


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
    values are queued in the client); ``flush()`` waits for every record sent so far and reports
    them. One instance belongs to one thread: the accounting is not locked (delivery reports run
    inside ``poll()`` / ``flush()`` on the caller's thread).
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
        self._config = {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "enable.idempotence": True,
            "retries": max(1, max_retries),
            "retry.backoff.ms": 200,
            "message.timeout.ms": delivery_ms,
            "request.timeout.ms": min(30_000, max(1000, delivery_ms - linger_ms)),
            "linger.ms": linger_ms,
            "batch.size": min(batch_size, max_request_size),
            "compression.type": compression or "none",
            "message.max.bytes": max_request_size,
            "queue.buffering.max.kbytes": max(1024, max_pending_bytes // 1024),
            "queue.buffering.max.messages": 1_000_000,
            "reconnect.backoff.max.ms": 1_000,
            "partitioner": "murmur2_random",
            "error_cb": self._on_client_error,
            "statistics.interval.ms": STATS_INTERVAL_MS,
            "stats_cb": self._on_stats,
            "logger": LOG,
        }
        self.max_pending_bytes = max_pending_bytes
        # seq -> (value, key, headers, tag, attempt) until its delivery report arrived.
        self._pending: dict[int, tuple] = {}
        self._seq = 0
        self._resend: list[tuple] = []
        self._report = DeliveryReport()
        self._errors: Counter[str] = Counter()
        self._first_error: dict[str, str] = {}
        self.totals = DeliveryReport()
        self.broker_unreachable = False  # a delivery or metadata wait timed out
        self._sends = 0
        self._closed = False
        self._fatal = False  # the client entered its fatal (idempotence) state: recreate it
        # True after a recreation until a record is delivered: another recreation before that would
        # only loop on a broker that rejects every producer, so it waits RECREATE_COOLDOWN_S.
        self._recreated_unproven = False
        self._last_create_attempt = 0.0
        self._connect_error = ""
        self._producer: Producer | None = self._create()

    # -- lifecycle -------------------------------------------------------------------------------
    def _create(self) -> Producer:
        self._last_create_attempt = time.monotonic()
        self._fatal = False
        self._identity = (-1, -1)  # (producer id, epoch) in the client's last statistics
        producer = Producer(self._config)
        try:
            producer.list_topics(timeout=self.connect_timeout_s)
        except KafkaException as exc:
            producer.close()
            raise ProducerError(
                f"cannot reach Kafka at {self.bootstrap} within {self.connect_timeout_s:.0f}s: {exc}"
            ) from exc
        self.broker_unreachable = False
        return producer

    def _on_client_error(self, err: KafkaError) -> None:
        if err.fatal():
            self._fatal = True
        elif err.code() in (KafkaError._ALL_BROKERS_DOWN, KafkaError._TRANSPORT):
            self.broker_unreachable = True

    def _on_stats(self, stats: str) -> None:
        data = orjson.loads(stats)
        eos = data.get("eos") or {}
        identity = (eos.get("producer_id", -1), eos.get("producer_epoch", -1))
        previous, self._identity = self._identity, identity
        if identity[0] < 0 or previous[0] != identity[0] or identity[1] <= previous[1]:
            return  # no producer id yet, a new one, or the same epoch
        # The client also bumps its epoch after records timed out (broker down); only a bump while
        # a broker is up means "the broker refused our producer id". On Tansu it keeps refusing
        # (restart), so take the records back and re-send them from a new client.
        brokers = (data.get("brokers") or {}).values()
        if any(b.get("state") == "UP" and b.get("nodeid", -1) >= 0 for b in brokers):
            self._fatal = True
            if self._producer is not None:
                self._producer.purge()

    def _final_report(self, timeout_s: float | None) -> DeliveryReport:
        return self.flush(timeout_s)

    def _release(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None

    # -- sending ---------------------------------------------------------------------------------
    def send_many(
        self, records: Iterable[tuple[bytes, bytes | None, list]], tag: Hashable | None = None
    ) -> int:
        """``send`` of each ``(value, key, headers)`` (same accounting and error handling), with
        less Python per record: the common case (the client takes the record) is one loop here,
        anything else goes through ``send``'s path. Returns the records queued."""
        if self._closed:
            raise ProducerError("producer is closed")
        queued = 0
        produce = None if self._producer is None else self._producer.produce
        pending, topic, delivered = self._pending, self.topic, self._delivered
        for value, key, headers in records:
            queued += 1
            if produce is not None:
                seq = self._seq = self._seq + 1
                pending[seq] = (value, key, headers, tag, 0)
                try:
                    produce(topic, value, key, headers=headers, on_delivery=partial(delivered, seq))
                    sent = True
                except (BufferError, KafkaException):
                    del pending[seq]
                    sent = False
                if sent:
                    self._sends += 1
                    if self._sends % self.SWEEP_EVERY:
                        continue
                    self._producer.poll(0)
                    if self._resend:
                        self._recreate_and_resend()
                    produce = None if self._producer is None else self._producer.produce
                    continue
            self._queue(value, key, headers, tag)  # back-pressure, errors, reconnecting
            produce = None if self._producer is None else self._producer.produce
        return queued

    def _queue(
        self, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]], tag: Hashable
    ) -> None:
        self._send_one(value, key, headers, tag, 0)
        self._sends += 1
        if self._sends % self.SWEEP_EVERY == 0:
            if self._producer is not None:
                self._producer.poll(0)
            if self._resend:
                self._recreate_and_resend()

    def _send_one(self, value, key, headers, tag, attempt: int) -> None:
        if self._producer is None and not self._try_reconnect():
            self._fail(tag, "ProducerError", f"no producer: {self._connect_error}")
            return
        seq = self._seq = self._seq + 1
        self._pending[seq] = (value, key, headers, tag, attempt)
        deadline = None
        while True:
            try:
                self._producer.produce(
                    self.topic, value, key, headers=headers, on_delivery=partial(self._delivered, seq)
                )
                return
            except BufferError:
                # Back-pressure: the client holds max_pending_bytes; serve delivery reports.
                deadline = deadline or time.monotonic() + self.delivery_timeout_s + 10
                if time.monotonic() > deadline:
                    self._pending.pop(seq)
                    self._fail(tag, "QueueFull", "the client queue stayed full past the delivery timeout")
                    return
                self._producer.poll(0.05)
            except KafkaException as exc:
                # Record too large, unknown topic, fatal client state: the record itself failed.
                self._pending.pop(seq)
                err = exc.args[0]
                if attempt == 0 and self._resendable(err):
                    self._resend.append((value, key, headers, tag, attempt))
                else:
                    self._fail(tag, err.name(), err.str())
                return

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

    def _delivered(self, seq: int, err: KafkaError | None, _msg) -> None:
        entry = self._pending.pop(seq, None)
        if entry is None:
            return  # already counted as not confirmed
        value, _key, _headers, tag, attempt = entry
        if err is None:
            self._report.produced += 1
            self._report.bytes += len(value)
            self._report.by_tag.setdefault(tag, [0, 0])[0] += 1
            self._recreated_unproven = False
            return
        if err.code() in UNREACHABLE_ERRORS:
            self.broker_unreachable = True
        if attempt == 0 and self._resendable(err):
            self._resend.append(entry)
        else:
            self._fail(tag, err.name(), err.str())

    def _resendable(self, err: KafkaError) -> bool:
        return err.code() in PRODUCER_STATE_ERRORS or err.fatal() or self._fatal

    def _settle(self, timeout_s: float) -> None:
        """Wait for every pending record and account for it."""
        if self._producer is not None and self._pending:
            self._producer.flush(timeout_s)
        for _seq, entry in sorted(self._pending.items()):
            self._fail(
                entry[3],
                "NotConfirmed",
                f"no acknowledgement within {timeout_s:.0f}s (may still arrive)",
            )
        self._pending.clear()

    def _recreate_and_resend(self) -> None:
        """The broker forgot our producer id (restart): new producer, re-send those records once."""
        self._settle(self.delivery_timeout_s + 10)  # the old producer's remaining reports come first
        entries, self._resend = self._resend, []
        if self._recreated_unproven and time.monotonic() - self._last_create_attempt < RECREATE_COOLDOWN_S:
            for entry in entries:
                self._fail(
                    entry[3], "ProducerStateError", "producer already recreated, nothing delivered since"
                )
            return
        old, self._producer = self._producer, None
        if old is not None:
            old.purge()
            old.close(timeout=2)
        try:
            self._producer = self._create()
        except ProducerError as exc:
            self._connect_error = str(exc)
            for entry in entries:
                self._fail(entry[3], "ProducerError", str(exc))
            return
        self._report.recreated += 1
        self._recreated_unproven = True
        for value, key, headers, tag, _attempt in entries:
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
