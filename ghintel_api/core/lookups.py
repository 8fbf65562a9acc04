"""Case-insensitive names of repositories and organisations, resolved without a query.

Name indexes: lower-cased name -> stored name of ``dim_repos`` / ``dim_orgs`` (the most recently
seen on a clash), kept in Python per loaded copy. Resolving a case-insensitive name was a
``lower()`` over every row of the dimension per request (3.1 ms CPU for a repository on the
1M-event bench lake); now it is a dict lookup, and for repositories an equality on the stored
name (1.2 ms). Nothing here computes a metric.

Tried and measured, not kept: ART indexes on the name columns of the hourly marts (the /events
repository hours got 0.8 ms cheaper, the repository series 0.6 ms dearer: DuckDB's per-query
planning and aggregation, not the scan, is most of a query here), and an org-sorted copy of
``fct_repo_activity_hourly`` for ``/org/{org}/summary`` (no faster than the mart).
"""

from __future__ import annotations

import bisect
from datetime import UTC, datetime

import duckdb

# rankings whose scored hours (per window) are kept in Python: "the latest ranked hour at or before
# as_of" was two max() queries per /trending-repos request (~0.5 ms CPU each)
RANKED_HOURS_MARTS = ("repo_trending", "repo_trending_history")
# dimension -> its name column, looked up case-insensitively
NAME_COLUMNS = {"dim_repos": "repo_name", "dim_orgs": "org_login"}


def name_index(cur: duckdb.DuckDBPyConnection, mart: str, physical: str) -> dict[str, str] | None:
    """lower(name) -> stored name for a dimension in NAME_COLUMNS (first = most recently seen)."""
    column = NAME_COLUMNS.get(mart)
    if column is None:
        return None
    rows = cur.execute(
        f"SELECT lower({column}), {column} FROM {physical} WHERE {column} IS NOT NULL "
        "ORDER BY last_seen DESC NULLS LAST"
    ).fetchall()
    out: dict[str, str] = {}
    for key, name in rows:
        out.setdefault(key, name)
    return out


def stored_name(index: dict[str, str] | None, name: str) -> str | None | bool:
    """The stored spelling of ``name``; None when unknown; False when the index cannot answer
    (not built, or a non-ASCII name whose lower case DuckDB and Python might disagree on)."""
    if index is None or not name.isascii():
        return False
    return index.get(name.lower())


def ranked_hours_index(cur: duckdb.DuckDBPyConnection, mart: str, physical: str) -> dict[str, list] | None:
    """window -> the sorted hours (UTC) a ranking mart in RANKED_HOURS_MARTS holds rows for."""
    if mart not in RANKED_HOURS_MARTS:
        return None
    out: dict[str, list] = {}
    rows = cur.execute(
        f'SELECT DISTINCT "window", as_of FROM {physical} WHERE as_of IS NOT NULL ORDER BY "window", as_of'
    ).fetchall()
    for window, as_of in rows:
        out.setdefault(window, []).append(as_of.replace(tzinfo=UTC))
    return out


def latest_at_or_before(hours: list[datetime], at: datetime) -> datetime | None:
    """The newest of the sorted ``hours`` not after ``at`` (max(as_of) WHERE as_of <= at)."""
    i = bisect.bisect_right(hours, at)
    return hours[i - 1] if i else None
