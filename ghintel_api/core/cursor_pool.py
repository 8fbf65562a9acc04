"""DuckDB cursors reused across requests instead of opened and closed for each one.

Opening and closing a cursor (a DuckDB client context) took measurable time on the event loop, and
closing one can wait on the database while other threads run queries. A cursor is lent to one
request at a time; one whose request failed is closed rather than returned, so an interrupted
query never leaves state behind for the next request.
"""

from __future__ import annotations

from collections import deque

import duckdb


class CursorPool:
    def __init__(self, con: duckdb.DuckDBPyConnection, max_idle: int = 64):
        self.con = con
        self.max_idle = max_idle
        self._idle: deque[duckdb.DuckDBPyConnection] = deque()  # append/pop are atomic

    def take(self) -> duckdb.DuckDBPyConnection:
        try:
            return self._idle.pop()
        except IndexError:
            return self.con.cursor()

    def give_back(self, cur: duckdb.DuckDBPyConnection, reusable: bool = True) -> None:
        if reusable and len(self._idle) < self.max_idle:
            self._idle.append(cur)
        else:
            cur.close()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()
