"""Live streams: one Kafka reader thread per topic and process, fanned out to bounded client queues.

The reader starts with the first subscriber and follows the topic from its end; it needs only the
broker, not the lake. Each client has an ``asyncio.Queue`` of ``GHINTEL_STREAM_CLIENT_BUFFER``
messages; when a message finds it full the client is dropped: its queue is emptied (the memory is
freed at once) and holds only a final ``dropped`` notice. Memory per client is therefore bounded,
and a slow client never slows the reader or the other clients. ``GHINTEL_STREAM_MAX_CLIENTS``
caps the connections over all streams.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field

from ghintel_api.core.observability import ApiMetrics
from ghintel_pipeline.lib.settings import HomeSettings, TopicsSettings

log = logging.getLogger("ghintel.api.streams")
RECONNECT_S = 2.0


def stream_settings(settings: HomeSettings) -> TopicsSettings:
    """The broker and topics slice for the API's home (the API's own slice has neither)."""
    if isinstance(settings, TopicsSettings):
        return settings
    return TopicsSettings(ghintel_home=settings.ghintel_home)


@dataclass(eq=False)
class StreamClient:
    stream: str
    filters: dict[str, str | None]
    queue: asyncio.Queue
    dropped: str | None = None
    delivered: int = 0


@dataclass(frozen=True)
class Dropped:
    reason: str


@dataclass
class _Feed:
    """The reader thread of one topic and the clients it serves (touched on the event loop only)."""

    topic: str
    fields: dict
    clients: set[StreamClient] = field(default_factory=set)
    thread: threading.Thread | None = None
    connected: bool = False


class StreamHub:
    def __init__(self, settings: TopicsSettings, metrics: ApiMetrics) -> None:
        from ghintel_pipeline.lib.topics.tail import ANOMALY_FILTER_FIELDS, FILTER_FIELDS

        self.settings = settings
        self.metrics = metrics
        self.max_clients = settings.ghintel_stream_max_clients
        self.buffer = settings.ghintel_stream_client_buffer
        self.heartbeat_s = settings.ghintel_stream_heartbeat_s
        self.feeds = {
            "events": _Feed(settings.ghintel_clean_topic, FILTER_FIELDS),
            "anomalies": _Feed(settings.ghintel_anomalies_topic, ANOMALY_FILTER_FIELDS),
        }
        self._count = 0
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        metrics.stream_max_clients.set(self.max_clients)

    # -- clients (event loop) -----------------------------------------------------------------
    def subscribe(self, stream: str, filters: dict[str, str | None]) -> StreamClient | None:
        """A new client, or None when the connection cap is reached."""
        if self._count >= self.max_clients:
            self.metrics.stream_rejected.inc()
            return None
        self._loop = asyncio.get_running_loop()
        feed = self.feeds[stream]
        client = StreamClient(stream, filters, asyncio.Queue(maxsize=self.buffer))
        feed.clients.add(client)
        self._count += 1
        self.metrics.stream_clients.labels(stream).inc()
        if feed.thread is None:
            feed.thread = threading.Thread(
                target=self._read, args=(feed,), name=f"stream-{stream}", daemon=True
            )
            feed.thread.start()
        return client

    def unsubscribe(self, client: StreamClient) -> None:
        feed = self.feeds[client.stream]
        if client in feed.clients:
            feed.clients.discard(client)
            self._count -= 1
            self.metrics.stream_clients.labels(client.stream).dec()

    def connected(self, stream: str) -> bool:
        return self.feeds[stream].connected

    def _fan_out(self, feed: _Feed, messages: list) -> None:
        from ghintel_pipeline.lib.topics.tail import matches

        for client in list(feed.clients):
            if client.dropped:
                continue
            for message in messages:
                if not matches(message.value, client.filters, feed.fields):
                    continue
                try:
                    client.queue.put_nowait(message)
                except asyncio.QueueFull:
                    self._drop(client, f"client too slow: {self.buffer} messages were waiting")
                    break

    def _drop(self, client: StreamClient, reason: str) -> None:
        client.dropped = reason
        while not client.queue.empty():
            client.queue.get_nowait()
        client.queue.put_nowait(Dropped(reason))
        self.metrics.stream_dropped.labels(client.stream).inc()
        log.warning("stream_client_dropped", extra={"stream": client.stream, "reason": reason})

    # -- the reader (its own thread) ------------------------------------------------------------
    def _read(self, feed: _Feed) -> None:
        from ghintel_pipeline.lib.kafka.broker import resolve_bootstrap
        from ghintel_pipeline.lib.topics.schema import ensure_subscriber_topics
        from ghintel_pipeline.lib.topics.tail import open_reader, poll_messages

        while not self._stop.is_set():
            consumer = None
            try:
                bootstrap = resolve_bootstrap(self.settings)
                ensure_subscriber_topics(bootstrap, self.settings)
                consumer = open_reader(bootstrap, feed.topic)
                feed.connected = True
                self.metrics.stream_kafka_connected.labels(feed.topic).set(1)
                while not self._stop.is_set():
                    messages = list(poll_messages(consumer, timeout_ms=200, max_records=500))
                    if messages:
                        self._loop.call_soon_threadsafe(self._fan_out, feed, messages)
            except Exception as exc:  # broker down or not started yet: keep trying
                log.warning("stream_reader_waiting", extra={"topic": feed.topic, "error": str(exc)})
                self._stop.wait(RECONNECT_S)
            finally:
                feed.connected = False
                self.metrics.stream_kafka_connected.labels(feed.topic).set(0)
                if consumer is not None:
                    consumer.close()

    def close(self) -> None:
        self._stop.set()
        for feed in self.feeds.values():
            if feed.thread is not None:
                feed.thread.join(timeout=5)
