"""Plain functions of the API: windows, token bucket, cursors, key checks, query timeout."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ghintel_api.core.config import RateLimit, parse_api_keys, parse_rate_limit
from ghintel_api.core.cursors import BadCursor, decode_cursor, encode_cursor
from ghintel_api.core.lake import Lake, QueryTimeout
from ghintel_api.core.security import AuthThrottle, TokenBuckets, client_identity, key_matches, request_cost
from ghintel_api.core.windows import BadTime, Window, resolve_as_of, to_utc, window_span
from ghintel_pipeline.lib.settings import Settings


def test_window_spans():
    as_of = datetime(2015, 1, 8, 17, 30, tzinfo=UTC)
    span = window_span(Window.d7, as_of)
    assert span.last_hour == datetime(2015, 1, 8, 17, tzinfo=UTC)
    assert span.first_hour == datetime(2015, 1, 1, 18, tzinfo=UTC) and span.hours == 168
    assert span.full_days() == (date(2015, 1, 2), date(2015, 1, 7))
    assert window_span(Window.h1, as_of).full_days() is None
    assert window_span(Window.h24, datetime(2015, 1, 1, 23, tzinfo=UTC)).full_days() == (
        date(2015, 1, 1),
        date(2015, 1, 1),
    )
    assert resolve_as_of(None, None) is None
    assert resolve_as_of("2015-01-01T03:59:00", None) == datetime(2015, 1, 1, 3, tzinfo=UTC)
    assert resolve_as_of("2015-01-01T05:10:00+02:00", None) == datetime(2015, 1, 1, 3, tzinfo=UTC)
    with pytest.raises(BadTime):
        resolve_as_of("2015-02-30T00:00:00", None)
    with pytest.raises(BadTime):
        to_utc(datetime(9999, 12, 31, 23))


def test_rate_limit_parsing():
    assert parse_rate_limit("120/minute") == RateLimit(120, 60.0)
    assert parse_rate_limit("5 / seconds") == RateLimit(5, 1.0)
    assert parse_rate_limit("0") is None and parse_rate_limit("") is None
    with pytest.raises(ValueError):
        parse_rate_limit("lots")
    assert parse_api_keys(" a, ,b ") == (b"a", b"b")


def test_token_bucket_refills_and_is_bounded():
    buckets = TokenBuckets(RateLimit(2, 1.0), max_clients=2)
    assert buckets.take("x", now=0.0) is None and buckets.take("x", now=0.0) is None
    assert buckets.take("x", now=0.0) == pytest.approx(0.5)
    assert buckets.take("x", now=0.6) is None
    buckets.take("y", now=1.0)
    buckets.take("z", now=1.0)
    assert len(buckets._buckets) == 2


def test_keys_and_identity():
    assert key_matches("b", (b"a", b"b")) and not key_matches("c", (b"a",)) and not key_matches(None, (b"a",))
    assert not key_matches("\udcff", (b"a",))
    assert client_identity("secret", "1.2.3.4").startswith("key:") and "secret" not in client_identity(
        "secret", None
    )
    assert client_identity(None, "1.2.3.4") == "ip:1.2.3.4"


def test_cursor_round_trip_and_rejects_forgeries():
    import base64

    at = datetime(2015, 1, 1, 1, 2, 3, 456789, tzinfo=UTC)
    key, filters = b"k" * 32, "None|None|PushEvent|None|None"
    good = encode_cursor(key, filters, at, "2489395767")
    assert decode_cursor(key, filters, good) == (at, "2489395767")

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    forged = [
        "",
        "zz",
        b64(b"0:1"),  # the old unsigned format
        b64(b"99999999999999999:1" + b"\0" * 16),  # far future, zero MAC
        b64("1420074123456789:\u0663\u0664".encode() + b"\0" * 16),  # Arabic-Indic digits
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # one MAC byte changed
    ]
    for bad in forged:
        with pytest.raises(BadCursor):
            decode_cursor(key, filters, bad)
    with pytest.raises(BadCursor):  # the same cursor for another filter
        decode_cursor(key, "None|None|WatchEvent|None|None", good)
    with pytest.raises(BadCursor):  # or from a home with another key
        decode_cursor(b"other", filters, good)


def test_bucket_charges_by_cost_and_costs_follow_the_work():
    buckets = TokenBuckets(RateLimit(10, 10.0))
    assert buckets.take("x", now=0.0, cost=4) is None and buckets.take("x", now=0.0, cost=4) is None
    assert buckets.take("x", now=0.0, cost=4) == pytest.approx(2.0)  # 2 tokens left, 1 token/s
    assert buckets.take("y", now=0.0, cost=50) is None  # capped at capacity: never impossible
    assert request_cost("/events", {}) == 4
    assert request_cost("/actors/top", {"window": "30d"}) == 3 > request_cost("/actors/top", {}) == 1
    assert request_cost("/org/x/summary", {"window": "7d"}) == 2
    assert request_cost("/trending-repos", {"window": "30d"}) == 1


def test_auth_throttle_backs_off_and_forgives():
    throttle = AuthThrottle(free=3, max_block_s=8.0)
    assert [throttle.failed("a", now=0.0) for _ in range(3)] == [None] * 3
    assert throttle.blocked_for("a", now=0.0) is None
    assert throttle.failed("a", now=0.0) == 1.0 and throttle.failed("a", now=0.0) == 2.0
    assert throttle.failed("a", now=0.0) == 4.0 and throttle.failed("a", now=0.0) == 8.0
    assert throttle.failed("a", now=0.0) == 8.0  # capped
    assert throttle.blocked_for("a", now=7.0) == pytest.approx(1.0)
    assert throttle.blocked_for("b", now=0.0) is None  # per address
    assert throttle.failed("a", now=100.0) is None  # a long quiet spell forgives
    throttle.succeeded("a")
    assert throttle.blocked_for("a", now=100.0) is None


def test_query_timeout_interrupts(tmp_path):
    lake = Lake(Settings(ghintel_home=tmp_path, ghintel_api_query_timeout_ms=100))
    try:
        cur = lake.cursor()
        with pytest.raises(QueryTimeout):
            lake.query(
                cur, "SELECT count(*) FROM range(1000000000000) a, range(100) b WHERE a.range % 7 = b.range"
            )
        assert lake.query(cur, "SELECT 1 AS one") == [{"one": 1}]
    finally:
        lake.close()


def test_duckdb_is_hardened(tmp_path):
    lake = Lake(Settings(ghintel_home=tmp_path))
    try:
        cur = lake.cursor()
        for sql in (
            "SELECT * FROM read_csv('/etc/passwd')",
            "SET enable_external_access = true",
            "COPY (SELECT 1) TO 'x.csv'",
            "INSTALL httpfs",
        ):
            with pytest.raises(Exception, match="(?i)permission|configuration|disabled|cannot"):
                lake.query(cur, sql)
    finally:
        lake.close()


def test_empty_lake_serves_503_not_500(tmp_path):
    from tests.api.conftest import api_client

    with api_client(tmp_path / "empty") as client:
        assert client.get("/health").status_code == 503
        response = client.get("/trending-repos")
        assert response.status_code == 503 and response.json()["error"] == "lake_not_ready"


def test_delta_log_stamp_sees_every_commit(tmp_path):
    import os

    import pyarrow as pa
    from deltalake import write_deltalake

    from ghintel_api.core.delta_log import log_stamp

    uri = str(tmp_path / "t")
    assert log_stamp(uri) is None  # no table yet
    write_deltalake(uri, pa.table({"x": [1]}))
    assert log_stamp(uri) is None  # just written: not trusted yet
    log_dir = tmp_path / "t" / "_delta_log"
    os.utime(log_dir, ns=(1_000_000_000, 1_000_000_000))
    first = log_stamp(uri)
    assert first is not None and log_stamp(uri) == first
    write_deltalake(uri, pa.table({"x": [2]}), mode="append")
    assert log_stamp(uri) is None  # the commit touched the folder: Delta is asked again
    assert log_stamp("s3://bucket/t") is None  # object stores: Delta is asked every time


def test_cursor_pool_reuses_only_clean_cursors():
    import duckdb

    from ghintel_api.core.cursor_pool import CursorPool

    pool = CursorPool(duckdb.connect(), max_idle=1)
    first = pool.take()
    pool.give_back(first)
    assert pool.take() is first
    pool.give_back(first, reusable=False)  # a failed request's cursor is closed, not kept
    with pytest.raises(duckdb.ConnectionException):
        first.execute("SELECT 1")
    second, third = pool.take(), pool.take()
    assert second is not first and second is not third
    pool.give_back(second)
    pool.give_back(third)  # over max_idle: closed
    assert pool.take() is second
    with pytest.raises(duckdb.ConnectionException):
        third.execute("SELECT 1")
