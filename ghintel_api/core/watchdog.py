"""Per-query timeouts for DuckDB: one thread interrupts cursors whose query ran past its deadline.

A ``threading.Timer`` per query would start a thread per query; this keeps one, and arming or
disarming is a heap push and a dict operation under a lock.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time

import duckdb


class QueryWatchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._armed: dict[int, duckdb.DuckDBPyConnection] = {}
        self._seq = itertools.count()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="duckdb-watchdog", daemon=True)
        self._thread.start()

    def arm(self, cur: duckdb.DuckDBPyConnection, timeout_s: float) -> int:
        with self._cond:
            token = next(self._seq)
            heapq.heappush(self._heap, (time.monotonic() + timeout_s, token))
            self._armed[token] = cur
            if self._heap[0][1] == token:
                self._cond.notify()
            return token

    def disarm(self, token: int) -> None:
        with self._cond:
            self._armed.pop(token, None)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        with self._cond:
            while not self._stopped:
                while self._heap and self._heap[0][1] not in self._armed:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                deadline, token = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                self._armed.pop(token).interrupt()
