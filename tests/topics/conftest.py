"""A subscriber that follows a topic on its own thread, as a separate service would."""

from __future__ import annotations

import threading
import time

import pytest

from ghintel_pipeline.lib.settings import Settings
from ghintel_pipeline.lib.topics.tail import TopicMessage, open_reader, poll_messages


class Subscriber:
    def __init__(self, bootstrap: str, topic: str) -> None:
        self.messages: list[TopicMessage] = []
        self._stop = threading.Event()
        self._consumer = open_reader(bootstrap, topic, from_beginning=True)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.messages.extend(poll_messages(self._consumer, timeout_ms=200))

    def wait_for(self, count: int, timeout_s: float = 60.0, settle_s: float = 1.5) -> list[TopicMessage]:
        """Wait for ``count`` messages, then a little longer so that extra (duplicate) ones show."""
        deadline = time.monotonic() + timeout_s
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(settle_s)
        return list(self.messages)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._consumer.close()


@pytest.fixture
def lake_settings(ghintel_env) -> Settings:
    return Settings()


@pytest.fixture
def subscribe(bootstrap, lake_settings):
    from ghintel_pipeline.lib.topics.schema import ensure_subscriber_topics

    ensure_subscriber_topics(bootstrap, lake_settings)
    opened: list[Subscriber] = []

    def _open(topic: str) -> Subscriber:
        opened.append(Subscriber(bootstrap, topic))
        return opened[-1]

    yield _open
    for sub in opened:
        sub.close()
