"""Publish what silver and quarantine gained to the subscriber topics, tracked in the Delta log.

The embedded broker accepts Kafka's transaction calls but a ``read_committed`` consumer still
receives aborted records (docs/topics.md has the probe), so the guarantee is built from the lake:

- silver and quarantine keep a change data feed: the rows a commit *inserted* are exactly the
  events that entered silver then (a redelivered event inserts nothing; compaction adds no change).
- ``topics/publish_log`` holds, per topic, two txns: ``ghintel-publish-intent:<topic>`` (the newest
  source version a run started sending) and ``ghintel-publish:<topic>`` (the newest version whose
  messages Kafka acknowledged). They move like Kafka offsets in bronze: in their own commits.
- A run sends the versions above the published txn. If the intent is ahead of it, an earlier run
  died after sending part of that range: the range is sent again and its commit says
  ``ghintel.resend=true``. Messages are keyed (event_id), so a consumer that keeps the newest value
  per key, or skips keys it has seen, gets each event once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake
from deltalake.exceptions import CommitFailedError, TableNotFoundError

from ghintel_pipeline.lib.kafka.broker import BrokerError, resolve_bootstrap
from ghintel_pipeline.lib.kafka.producer import RawEventProducer
from ghintel_pipeline.lib.lake.faults import fault_point
from ghintel_pipeline.lib.lake.storage import (
    PUBLISH_LOG,
    PUBLISH_LOG_SCHEMA,
    QUARANTINE,
    SILVER,
    ensure_table,
    open_table,
)
from ghintel_pipeline.lib.records import AsDict
from ghintel_pipeline.lib.settings import Settings
from ghintel_pipeline.lib.topics import schema
from ghintel_pipeline.lib.topics.schema import ANOMALY_KEY_COLUMNS as KEYS

log = logging.getLogger("ghintel.topics")
# Source versions sent per intent/published pair: bounds what a crash makes a run re-send.
VERSIONS_PER_ATTEMPT = 20
_CDF = ["_change_type", "_commit_version", "_commit_timestamp"]


class PublishError(RuntimeError):
    """Kafka did not acknowledge every message of a range: nothing is recorded, the next run re-sends."""


def published_app_id(topic: str) -> str:
    return f"ghintel-publish:{topic}"


def intent_app_id(topic: str) -> str:
    return f"ghintel-publish-intent:{topic}"


@dataclass
class PublishSummary(AsDict):
    topic: str
    from_version: int | None = None
    to_version: int | None = None
    messages: int = 0
    resend: bool = False
    seconds: float = 0.0


def published_version(settings: Settings, topic: str) -> int | None:
    table = open_table(settings, PUBLISH_LOG)
    return None if table is None else table.transaction_version(published_app_id(topic))


def record(settings: Settings, app_id: str, version: int, meta: dict) -> None:
    """One empty commit carrying ``app_id``'s txn; a txn never moves backwards (racing publishers)."""
    for _ in range(20):
        table = ensure_table(settings, PUBLISH_LOG)
        stored = table.transaction_version(app_id)
        if stored is not None and stored >= version:
            return
        try:
            write_deltalake(
                table,
                PUBLISH_LOG_SCHEMA.empty_table(),
                mode="append",
                commit_properties=CommitProperties(
                    app_transactions=[Transaction(app_id, version)],
                    custom_metadata={k: str(v) for k, v in meta.items()},
                ),
            )
            return
        except CommitFailedError:
            time.sleep(0.05)
    raise RuntimeError(f"publish log commit for {app_id} kept conflicting")


def _start_version(settings: Settings, source: DeltaTable, topic: str) -> int:
    """Newest version already published (or never to be): -1 for a table with a change feed from its
    creation; a table made before the feed existed gets it now and publishes from then on."""
    if source.metadata().configuration.get("delta.enableChangeDataFeed") == "true":
        return -1
    source.alter.set_table_properties({"delta.enableChangeDataFeed": "true"})
    source.update_incremental()
    start = source.version()
    record(settings, published_app_id(topic), start, {"ghintel.operation": "publish_start"})
    return start


def _without_views(rows: pa.Table) -> pa.Table:
    """The change feed comes as string_view/binary_view columns, which few Arrow kernels take."""
    views = {pa.string_view(): pa.string(), pa.binary_view(): pa.binary()}
    return rows.cast(pa.schema([f.with_type(views.get(f.type, f.type)) for f in rows.schema]))


class TopicPublisher:
    """One producer per topic for a process; each ``publish_*`` sends what the log says is pending.

    Not thread-safe: one thread publishes (the ingest's publisher thread, or the caller)."""

    def __init__(self, settings: Settings, bootstrap: str | None = None) -> None:
        self.settings = settings
        self.bootstrap = bootstrap or resolve_bootstrap(settings)
        self._producers: dict[str, RawEventProducer] = {}
        self._json = None  # schema.json_connection(), made on the first clean batch

    def _producer(self, topic: str) -> RawEventProducer:
        if topic not in self._producers:
            if not self._producers:
                schema.ensure_subscriber_topics(self.bootstrap, self.settings)
            self._producers[topic] = RawEventProducer(
                self.bootstrap,
                topic,
                delivery_timeout_s=self.settings.ghintel_delivery_timeout_s,
                linger_ms=5,
            )
        return self._producers[topic]

    def publish_lake(self) -> list[PublishSummary]:
        """Silver -> clean topic, then quarantine -> quarantine topic."""
        from ghintel_pipeline.lib.contracts import SILVER_EVENT_SCHEMA

        fields = SILVER_EVENT_SCHEMA.names
        self._json = self._json or schema.json_connection()
        clean = partial(schema.clean_messages, contract_fields=fields, con=self._json)
        return [
            self._publish_feed(SILVER, self.settings.ghintel_clean_topic, fields, clean),
            self._publish_feed(
                QUARANTINE, self.settings.ghintel_quarantine_topic, None, schema.quarantine_messages
            ),
        ]

    def _publish_feed(self, which, topic: str, columns, encode) -> PublishSummary:
        started = time.monotonic()
        summary = PublishSummary(topic)
        source = open_table(self.settings, which)
        if source is None:
            return summary
        done = published_version(self.settings, topic)
        if done is None:
            done = _start_version(self.settings, source, topic)
        current = source.version()
        if current <= done:
            return summary
        summary.from_version, summary.to_version = done + 1, current
        for lo in range(done + 1, current + 1, VERSIONS_PER_ATTEMPT):
            hi = min(current, lo + VERSIONS_PER_ATTEMPT - 1)
            batches = self._inserted(source, lo, hi, columns)
            self._attempt(summary, lo, hi, (m for rows in batches for m in encode(rows)))
        summary.seconds = round(time.monotonic() - started, 3)
        return summary

    def publish_anomalies(self) -> PublishSummary:
        """Rows of ``gold/anomalies`` whose key was not in the version published last."""
        from ghintel_pipeline.lib.lake import lake_table_uri, storage_options

        started = time.monotonic()
        topic = self.settings.ghintel_anomalies_topic
        summary = PublishSummary(topic)
        uri, options = lake_table_uri(self.settings, "gold", "anomalies"), storage_options(self.settings)
        try:
            table = DeltaTable(uri, storage_options=options)
        except TableNotFoundError:
            return summary
        done, current = published_version(self.settings, topic), table.version()
        if done is not None and current <= done:
            return summary
        seen: set[str] = set()
        if done is not None:
            try:
                old = DeltaTable(uri, version=done, storage_options=options)
                seen = {schema.anomaly_key(r) for r in old.to_pyarrow_table(columns=list(KEYS)).to_pylist()}
            except Exception:  # vacuumed away: every row counts as new (keys make it idempotent)
                log.warning("anomalies version %s is gone; re-sending all rows", done)
        rows = [r for r in table.to_pyarrow_table().to_pylist() if schema.anomaly_key(r) not in seen]
        committed_at = dt.datetime.fromtimestamp(table.history(1)[0]["timestamp"] / 1000, dt.UTC)
        lo = -1 if done is None else done + 1
        summary.from_version, summary.to_version = lo, current
        self._attempt(summary, lo, current, schema.anomaly_messages(rows, current, committed_at))
        summary.seconds = round(time.monotonic() - started, 3)
        return summary

    def _attempt(self, summary: PublishSummary, lo: int, hi: int, messages: Iterable[schema.Message]) -> None:
        """Mark versions lo..hi as being sent, send, then mark them published (module doc)."""
        topic = summary.topic
        intent = ensure_table(self.settings, PUBLISH_LOG).transaction_version(intent_app_id(topic))
        resend = intent is not None and intent >= lo
        meta = {"ghintel.topic": topic, "ghintel.from_version": lo, "ghintel.to_version": hi}
        fault_point("publish")
        record(self.settings, intent_app_id(topic), hi, {**meta, "ghintel.operation": "publish_intent"})
        sent = self.send(topic, messages)
        fault_point("publish_sent")
        meta |= {"ghintel.operation": "publish", "ghintel.messages": sent, "ghintel.resend": resend}
        record(self.settings, published_app_id(topic), hi, meta)
        summary.messages += sent
        summary.resend |= resend

    def send(self, topic: str, messages: Iterable[schema.Message]) -> int:
        """Send and wait for every acknowledgement; raises PublishError if any message failed."""
        producer = self._producer(topic)
        sent = producer.send_many((m.value, m.key, m.headers) for m in messages)
        report = producer.flush()
        if report.failed:
            raise PublishError(f"{report.failed} of {sent} messages to {topic} failed: {report.errors}")
        return sent

    @staticmethod
    def _inserted(source: DeltaTable, lo: int, hi: int, columns) -> Iterator[pa.Table]:
        """The rows commits lo..hi inserted, batch by batch (memory stays at one batch)."""
        reader = source.load_cdf(
            starting_version=lo, ending_version=hi, columns=None if columns is None else [*columns, *_CDF]
        )
        for batch in pa.RecordBatchReader.from_stream(reader):
            rows = _without_views(pa.Table.from_batches([batch]))
            yield rows.filter(pc.equal(rows.column("_change_type"), "insert"))

    def close(self) -> None:
        for producer in self._producers.values():
            producer.close()
        self._producers.clear()
        if self._json is not None:
            self._json.close()
            self._json = None


def publish_anomalies(settings: Settings) -> PublishSummary | None:
    """After a gold export. Gold builds also run without Kafka (backfills): then nothing is sent
    and the next build with a reachable broker sends every row still unpublished."""
    if not settings.ghintel_topics_publish:
        return None
    try:
        publisher = TopicPublisher(settings)
    except BrokerError as exc:
        log.warning("anomalies not published: %s", exc)
        return None
    try:
        return publisher.publish_anomalies()
    finally:
        publisher.close()


def publish_investigations(settings: Settings, rows: list[dict], version: int) -> int:
    """Each investigation the monitor just wrote (version ``version`` of gold/anomaly_investigations)
    to the anomalies topic; returns the messages sent. At least once, like the monitor that calls it:
    a re-run re-sends under the same key. Without a reachable broker it logs and sends nothing."""
    if not settings.ghintel_topics_publish or not rows:
        return 0
    try:
        publisher = TopicPublisher(settings)
    except BrokerError as exc:
        log.warning("investigations not published: %s", exc)
        return 0
    try:
        messages = schema.investigation_messages(rows, version, dt.datetime.now(dt.UTC))
        return publisher.send(settings.ghintel_anomalies_topic, messages)
    finally:
        publisher.close()


def publish_lake(settings: Settings) -> list[PublishSummary]:
    """Publish pending silver and quarantine rows once (the Dagster silver asset's call)."""
    if not settings.ghintel_topics_publish:
        return []
    publisher = TopicPublisher(settings)
    try:
        return publisher.publish_lake()
    finally:
        publisher.close()


class BackgroundPublisher:
    """Publishes on its own thread while an ingest runs, woken after each silver commit
    (``notify``), so a clean event follows its commit within one pass instead of waiting for the
    end of the run. ``close`` stops it (the run's ``after_silver`` hook publishes the rest) and
    re-raises a publishing error. Disabled by ``GHINTEL_TOPICS_PUBLISH=false``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.summaries: dict[str, PublishSummary] = {}
        self.error: BaseException | None = None
        self._wake = threading.Event()
        self._stopping = False
        self._thread = None
        if settings.ghintel_topics_publish:
            self._thread = threading.Thread(target=self._run, name="topic-publisher", daemon=True)
            self._thread.start()

    def notify(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        publisher = None
        try:
            publisher = TopicPublisher(self.settings)
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                for item in publisher.publish_lake():
                    self.summaries[item.topic] = merge_summaries(self.summaries.get(item.topic), item)
        except BaseException as exc:  # re-raised by close() in the ingest's thread
            self.error = exc
        finally:
            if publisher is not None:
                publisher.close()

    def abandon(self) -> None:
        """The ingest failed: stop after the current pass, without waiting for it."""
        self._stopping = True
        self._wake.set()

    def close(self) -> list[dict]:
        if self._thread is None:
            return []
        self.abandon()
        self._thread.join()
        if self.error is not None:
            raise self.error
        return [s.to_dict() for s in self.summaries.values()]


def merge_summaries(total: PublishSummary | None, item: PublishSummary) -> PublishSummary:
    """One summary for consecutive passes over the same topic."""
    if total is None:
        return item
    if item.from_version is not None:
        total.from_version = item.from_version if total.from_version is None else total.from_version
        total.to_version = item.to_version
    total.messages += item.messages
    total.resend |= item.resend
    total.seconds = round(total.seconds + item.seconds, 3)
    return total


def publish_after_silver(settings: Settings, summary) -> None:
    """The ``after_silver_commit`` hook (lib/lake/hooks.py): publish what the run's last silver and
    quarantine commits added, and add it to the run's ``IngestSummary.published``."""
    totals = {p["topic"]: PublishSummary(**p) for p in summary.published}
    for item in publish_lake(settings):
        totals[item.topic] = merge_summaries(totals.get(item.topic), item)
    summary.published = [t.to_dict() for t in totals.values()]


def publish_after_gold(settings: Settings, plan, exported: dict) -> None:
    """The ``after_gold`` hook: new anomaly rows to the anomalies topic."""
    publish_anomalies(settings)
