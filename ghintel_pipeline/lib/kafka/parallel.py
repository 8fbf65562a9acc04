"""``ParallelProducer``: the ``RawEventProducer`` interface spread over worker processes.

Each worker process owns a ``RawEventProducer``; the parent only routes records, so the parent's
reading and the workers' producing overlap on separate cores. With kafka-python (pure Python,
~50 us per record) this doubled a producer's speed; librdkafka batches in C threads, so one
process now sends >100k records/s and the workers mostly add pipe copies (``ghintel bench produce
--workers N`` measures both).

- Same key -> same worker (crc32 of the key), so a repo's events keep their order; records
  without a key go round-robin.
- Records travel in batches over a pipe; at most ``MAX_INFLIGHT`` unacknowledged batches per
  worker bound the memory (back-pressure).
- Accounting stays exact: each worker's ``flush()`` report is merged; whatever was routed to a
  worker that died (or whose pipe broke) without reporting it counts as failed, never as produced.
"""

from __future__ import annotations

import multiprocessing as mp
import zlib
from collections.abc import Hashable
from multiprocessing.connection import Connection

from ghintel_pipeline.lib.kafka.producer import DeliveryReport, EventProducer, ProducerError, RawEventProducer

BATCH_RECORDS = 1000
MAX_INFLIGHT = 4


def _worker(conn: Connection, bootstrap: str, topic: str, kwargs: dict) -> None:
    try:
        producer = RawEventProducer(bootstrap, topic, **kwargs)
    except ProducerError as exc:
        conn.send(("error", str(exc)))
        return
    conn.send(("ready", None))
    try:
        while True:
            kind, payload = conn.recv()
            if kind == "batch":
                tag, headers, items = payload
                send = producer.send
                for value, key in items:
                    send(value, key, headers, tag=tag)
                conn.send(("ack", producer.broker_unreachable))
            elif kind == "flush":
                report = producer.flush()
                conn.send(("report", (report, producer.broker_unreachable)))
            elif kind == "close":
                report = producer.close()
                conn.send(("report", (report, producer.broker_unreachable)))
                return
    except (EOFError, OSError):
        producer.close(timeout_s=5)  # the parent is gone; nobody is left to report to


class _Slot:
    """The parent's view of one worker."""

    def __init__(self, process: mp.Process, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.buffer: list[tuple[bytes, bytes | None]] = []
        self.buffer_tag: Hashable | None = None
        self.buffer_headers: list[tuple[str, bytes]] | None = None
        self.inflight = 0
        self.routed: dict[Hashable, int] = {}  # since the last flush, by tag
        self.dead: str | None = None


class ParallelProducer(EventProducer):
    """The ``EventProducer`` interface of RawEventProducer, spread over worker processes."""

    def __init__(self, bootstrap: str, topic: str, *, workers: int = 2, **producer_kwargs) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.bootstrap = bootstrap
        self.topic = topic
        # Same rule as RawEventProducer (whose delivery timeout defaults to 60 s).
        self.connect_timeout_s = producer_kwargs.get("connect_timeout_s") or min(
            10.0, float(producer_kwargs.get("delivery_timeout_s", 60))
        )
        self.totals = DeliveryReport()
        self._unreachable = False
        self._closed = False
        self._next = 0
        # fork: the workers start in milliseconds and inherit the imported modules; the parent
        # holds no Kafka client or thread of its own at this point.
        ctx = mp.get_context("fork")
        self._slots: list[_Slot] = []
        for _ in range(workers):
            parent, child = ctx.Pipe()
            process = ctx.Process(
                target=_worker, args=(child, bootstrap, topic, producer_kwargs), daemon=True
            )
            process.start()
            child.close()
            self._slots.append(_Slot(process, parent))
        for slot in self._slots:
            kind, payload = self._recv(slot, self.connect_timeout_s + 30)
            if kind != "ready":
                self._terminate()
                raise ProducerError(payload or f"producer worker failed to start: {slot.dead}")

    # -- routing ---------------------------------------------------------------------------------
    def _queue(
        self, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]], tag: Hashable
    ) -> None:
        if key is None:
            index = self._next
            self._next = (self._next + 1) % len(self._slots)
        else:
            index = zlib.crc32(key) % len(self._slots)
        slot = self._slots[index]
        if slot.buffer and (slot.buffer_tag != tag or slot.buffer_headers is not headers):
            self._ship(slot)
        slot.buffer_tag, slot.buffer_headers = tag, headers
        slot.buffer.append((value, key))
        slot.routed[tag] = slot.routed.get(tag, 0) + 1
        if len(slot.buffer) >= BATCH_RECORDS:
            self._ship(slot)

    def _ship(self, slot: _Slot) -> None:
        items, slot.buffer = slot.buffer, []
        if slot.dead or not items:
            return
        while not slot.dead and (slot.inflight >= MAX_INFLIGHT or (slot.inflight and slot.conn.poll(0))):
            self._take_ack(slot)
        if slot.dead:
            return
        try:
            slot.conn.send(("batch", (slot.buffer_tag, slot.buffer_headers, items)))
            slot.inflight += 1
        except (OSError, ValueError) as exc:
            slot.dead = f"pipe to producer worker broken: {exc}"

    def _recv(self, slot: _Slot, timeout_s: float) -> tuple[str, object]:
        try:
            if slot.conn.poll(timeout_s):
                return slot.conn.recv()
            slot.dead = f"producer worker pid {slot.process.pid} did not answer within {timeout_s:.0f}s"
        except (EOFError, OSError) as exc:
            slot.dead = f"producer worker pid {slot.process.pid} died ({type(exc).__name__})"
        return "dead", None

    def _take_ack(self, slot: _Slot) -> None:
        kind, payload = self._recv(slot, self._answer_timeout())
        if kind == "ack":
            slot.inflight -= 1
            self._unreachable = self._unreachable or bool(payload)

    def _answer_timeout(self) -> float:
        # A worker blocks at most a delivery timeout on back-pressure, plus its own flush margin.
        return 2 * self.connect_timeout_s + 120

    @property
    def broker_unreachable(self) -> bool:
        return self._unreachable

    # -- reports ---------------------------------------------------------------------------------
    def _collect(self, command: str) -> DeliveryReport:
        for slot in self._slots:
            self._ship(slot)
        for slot in self._slots:
            if slot.dead:
                continue
            try:
                slot.conn.send((command, None))
            except (OSError, ValueError) as exc:
                slot.dead = f"pipe to producer worker broken: {exc}"
        report = DeliveryReport()
        for slot in self._slots:
            worker_report = None
            while not slot.dead:
                kind, payload = self._recv(slot, self._answer_timeout())
                if kind == "ack":
                    slot.inflight -= 1
                    self._unreachable = self._unreachable or bool(payload)
                elif kind == "report":
                    worker_report, unreachable = payload
                    self._unreachable = self._unreachable or unreachable
                    break
            if worker_report is not None:
                report.merge(worker_report)
            else:
                lost = sum(slot.routed.values())
                report.merge(
                    DeliveryReport(
                        failed=lost,
                        errors=[f"{lost} x WorkerDied: {slot.dead}"],
                        by_tag={tag: [0, n] for tag, n in slot.routed.items()},
                    )
                )
                slot.routed = {}  # reported once; the worker is not used again
                continue
            slot.routed = {}
            slot.inflight = 0
        self.totals.merge(report)
        return report

    def flush(self, timeout_s: float | None = None) -> DeliveryReport:
        """Everything routed since the previous flush, confirmed or failed (merged over workers)."""
        return self._collect("flush")

    def _final_report(self, timeout_s: float | None) -> DeliveryReport:
        return self._collect("close")

    def _release(self) -> None:
        self._terminate()

    def _terminate(self) -> None:
        for slot in self._slots:
            slot.conn.close()
            slot.process.join(timeout=10)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(timeout=5)
