"""Plain functions of the API: windows, token bucket, cursors, key checks, query timeout."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ghintel_api.core.config import RateLimit, parse_api_keys, parse_rate_limit
from ghintel_api.core.lake import Lake, QueryTimeout
from ghintel_api.core.security import TokenBuckets, client_identity, key_matches
from ghintel_api.core.windows import BadTime, Window, resolve_as_of, to_utc, window_span
from ghintel_api.queries.events import BadCursor, decode_cursor, encode_cursor
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


def test_cursor_round_trip_and_rejects_garbage():
    at = datetime(2015, 1, 1, 1, 2, 3, 456789, tzinfo=UTC)
    assert decode_cursor(encode_cursor(at, "2489395767")) == (at, "2489395767")
    for bad in ("", "zz", encode_cursor(at, "x").rstrip("=")):
        with pytest.raises(BadCursor):
            decode_cursor(bad)


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
