"""Rollup indexes: the hourly marts the dearest routes sum, as numpy arrays kept per loaded copy.

DuckDB's cost on the API's small copies is mostly per query (planning, binding, an aggregate's
setup: 1-2.5 ms of CPU even on a few dozen rows), so the routes that only sum a key's hours over a
window read these arrays instead: rows sorted by the route's key and hour, a row range per key,
and the window's rows found with ``searchsorted`` and summed with ``np.add.reduceat``. They sum
exactly what the route's SQL sums (no metric is computed here) and return the SQL's rows; a route
falls back to its SQL whenever its index is absent (not built yet, or a mart whose rows the index
cannot hold, such as an actor without a login).

Indexed (built in ``Lake._load_gold``):
- ``fct_repo_activity_hourly`` by (repo_name, event_hour): ``/repo/{owner}/{name}/activity``;
- the same by (org_login, repo_name, event_hour): ``/org/{org}/summary``'s repos and series;
- ``fct_org_actor_activity_hourly`` by (org_login, event_hour): ``/org/{org}/summary``'s actors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np

from ghintel_api.core.windows import Granularity, Span

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# the counts /repo/.../activity sums (coalesce(sum(c), 0)); commits and distinct_actors stay NULL
# for a bucket none of whose rows holds one, so their non-NULL rows are counted too
REPO_COUNTS = (
    "events",
    "stars",
    "forks",
    "pushes",
    "prs_opened",
    "prs_merged",
    "prs_closed",
    "issues_opened",
    "issues_closed",
    "comments",
    "reviews",
    "releases",
)
REPO_NULLABLE = ("commits", "distinct_actors")
ORG_COUNTS = ("events", "stars", "forks", "pushes", "prs_opened", "prs_merged", "issues_opened")
ACTOR_MEASURES = (
    "events",
    "pushes",
    "commits",
    "prs_opened",
    "prs_merged",
    "reviews",
    "comments",
    "issues_opened",
)

# mart -> the indexes built from it
ROLLUP_NAMES = {
    "fct_repo_activity_hourly": ("repo_hours", "org_repo_hours"),
    "fct_org_actor_activity_hourly": ("org_actor_hours",),
}


@dataclass(frozen=True)
class KeyedHours:
    """Rows sorted by (key, group, hour): ``ranges`` maps a key to its rows [lo, hi); ``groups`` is
    each row's group number (a repository of an org; rows of a group are contiguous and sorted by
    hour); ``values`` holds one int64 column per name in ``columns``; ``flags`` one bool per row."""

    ranges: dict[str, tuple[int, int]]
    hours: np.ndarray
    values: np.ndarray
    columns: tuple[str, ...]
    groups: np.ndarray | None = None
    group_names: tuple = ()
    flags: np.ndarray | None = None

    @property
    def nbytes(self) -> int:
        arrays = (self.hours, self.values, self.groups, self.flags)
        return sum(a.nbytes for a in arrays if a is not None)


def _hour_number(column: str) -> str:
    # hours since the epoch of a naive-UTC TIMESTAMP (the copies' form, see lake._select_expr)
    return f"(epoch_us({column}) // 3600000000)::BIGINT"


def _keyed(
    cur: duckdb.DuckDBPyConnection,
    physical: str,
    key: str,
    columns: tuple[str, ...],
    *,
    group: str | None = None,
    nullable: tuple[str, ...] = (),
    flag: str | None = None,
) -> KeyedHours:
    values = [f"coalesce({c}, 0)::BIGINT" for c in columns]
    values += [f"coalesce({c}, 0)::BIGINT" for c in nullable]
    values += [f"({c} IS NOT NULL)::BIGINT" for c in nullable]
    select = [key, _hour_number("event_hour") + " AS h", *values]
    order = [key]
    if group is not None:
        select.append(group)
        order.append(f"{group} NULLS LAST")
    if flag is not None:
        select.append(f"coalesce({flag}, false)")
    sql = (
        f"SELECT {', '.join(select)} FROM {physical} "
        f"WHERE {key} IS NOT NULL AND event_hour IS NOT NULL ORDER BY {', '.join(order)}, event_hour"
    )
    cur.execute(sql)
    fetched = list(cur.fetchnumpy().values())
    keys, hours = fetched[0], _narrow(np.asarray(fetched[1], dtype=np.int64))
    n_values = len(columns) + 2 * len(nullable)
    values_arr = _narrow(
        np.stack([np.asarray(v, dtype=np.int64) for v in fetched[2 : 2 + n_values]], axis=1)
        if len(keys)
        else np.zeros((0, n_values), dtype=np.int64)
    )
    rest = fetched[2 + n_values :]
    names = (*columns, *nullable, *(f"{c}__set" for c in nullable))
    ranges = _ranges(np.asarray(keys, dtype=object))
    groups, group_names = None, ()
    if group is not None:
        sub = rest.pop(0)
        sub = (np.ma.filled(sub.astype(object), None) if np.ma.isMaskedArray(sub) else sub).astype(object)
        change = np.ones(len(sub), dtype=bool)
        if len(sub) > 1:
            change[1:] = (sub[1:] != sub[:-1]) | (keys[1:] != keys[:-1])
        groups = (np.cumsum(change) - 1).astype(np.int32)
        group_names = tuple(sub[change])
    flags = np.asarray(rest.pop(0), dtype=bool) if flag is not None else None
    return KeyedHours(ranges, hours, values_arr, names, groups, group_names, flags)


def _narrow(values: np.ndarray) -> np.ndarray:
    """int32 when every value fits (half the memory; sums are taken in int64), else as is."""
    small = np.iinfo(np.int32)
    if not values.size or (values.min() >= small.min and values.max() <= small.max):
        return values.astype(np.int32)
    return values


def _ranges(keys: np.ndarray) -> dict[str, tuple[int, int]]:
    if not len(keys):
        return {}
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    stops = np.append(starts[1:], len(keys))
    return {keys[s]: (int(s), int(e)) for s, e in zip(starts, stops, strict=True)}


def rollup_indexes(cur: duckdb.DuckDBPyConnection, mart: str, physical: str) -> dict[str, KeyedHours] | None:
    """The indexes built from one loaded mart (name -> index), or None for a mart not indexed."""
    if mart == "fct_repo_activity_hourly":
        return {
            "repo_hours": _keyed(cur, physical, "repo_name", REPO_COUNTS, nullable=REPO_NULLABLE),
            "org_repo_hours": _keyed(cur, physical, "org_login", ORG_COUNTS, group="repo_name"),
        }
    if mart == "fct_org_actor_activity_hourly":
        (null_logins,) = cur.execute(
            f"SELECT count(*) FROM {physical} WHERE actor_login IS NULL AND org_login IS NOT NULL"
        ).fetchone()
        if null_logins:  # the SQL ranks a NULL login as one actor: leave such a mart to it
            return None
        return {
            "org_actor_hours": _keyed(
                cur, physical, "org_login", ACTOR_MEASURES, group="actor_login", flag="is_bot"
            )
        }
    return None


def _hour(value: datetime) -> int:
    """Hours since the epoch of an hour-aligned UTC datetime."""
    return int((value - EPOCH) // timedelta(hours=1))


def _window_rows(index: KeyedHours, key: str, span: Span) -> np.ndarray:
    """Row numbers of ``key`` whose hour lies in the span (sorted by group, then hour)."""
    lo, hi = index.ranges.get(key, (0, 0))
    hours = index.hours[lo:hi]
    first, end = _hour(span.first_hour), _hour(span.end)
    if index.groups is None:
        a, b = np.searchsorted(hours, (first, end))
        return np.arange(lo + a, lo + b)
    return lo + np.flatnonzero((hours >= first) & (hours < end))


def _buckets(hours: np.ndarray, granularity: Granularity) -> np.ndarray:
    return hours if granularity is Granularity.hour else hours // 24 * 24


def _stamp(hour: int) -> datetime:
    return EPOCH + timedelta(hours=int(hour))


def _grouped(index: KeyedHours, rows: np.ndarray, by: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First row number and column sums of each run of equal ``by`` (``by`` sorted in runs)."""
    starts = np.flatnonzero(np.concatenate(([True], by[1:] != by[:-1])))
    return rows[starts], np.add.reduceat(index.values[rows], starts, axis=0, dtype=np.int64)


def repo_buckets(index: KeyedHours, repo_name: str, span: Span, granularity: Granularity) -> list[dict]:
    """The rows of /repo/.../activity's grouped query: one per bucket with data, its sums."""
    rows = _window_rows(index, repo_name, span)
    if not len(rows):
        return []
    buckets = _buckets(index.hours[rows], granularity)
    firsts, sums = _grouped(index, rows, buckets)
    col = {name: i for i, name in enumerate(index.columns)}
    counts = [col[c] for c in REPO_COUNTS]
    out = []
    for first, row in zip(_buckets(index.hours[firsts], granularity).tolist(), sums.tolist(), strict=True):
        item: dict = {"ts": _stamp(first)}
        item.update(zip(REPO_COUNTS, (row[i] for i in counts), strict=True))
        item["commits"] = row[col["commits"]] if row[col["commits__set"]] else None
        actors = row[col["distinct_actors"]] if row[col["distinct_actors__set"]] else None
        item["distinct_actors"] = actors if granularity is Granularity.hour else None
        out.append(item)
    return out


def org_repo_buckets(index: KeyedHours, org: str, span: Span, granularity: Granularity) -> list[dict]:
    """The rows of /org/.../summary's grouped query: one per (repository, bucket) with data."""
    rows = _window_rows(index, org, span)
    if not len(rows):
        return []
    assert index.groups is not None
    buckets = _buckets(index.hours[rows], granularity)
    # groups and hours ascend within the org's rows, so (group, bucket) runs are contiguous
    first_bucket = int(buckets.min())
    width = int(buckets.max()) - first_bucket + 1
    by = index.groups[rows].astype(np.int64) * width + (buckets - first_bucket)
    firsts, sums = _grouped(index, rows, by)
    out = []
    for first, row in zip(firsts.tolist(), sums.tolist(), strict=True):
        hour = int(index.hours[first])
        item = {
            "repo_name": index.group_names[index.groups[first]],
            "ts": _stamp(hour if granularity is Granularity.hour else hour // 24 * 24),
        }
        item.update(zip(ORG_COUNTS, row, strict=True))
        out.append(item)
    return out


def org_top_actors(
    index: KeyedHours, org: str, span: Span, *, order: str, include_bots: bool, limit: int
) -> tuple[list[dict], int]:
    """The top actors of an org (as the summed SQL of queries/actors.top_actors_counted ranks them:
    sum(order) > 0, by sum(order) DESC, login) and how many actors matched."""
    rows = _window_rows(index, org, span)
    assert index.groups is not None and index.flags is not None
    if not include_bots:
        rows = rows[~index.flags[rows]]
    if not len(rows):
        return [], 0
    # rows are sorted by actor, then hour: one run per actor
    groups = index.groups[rows]
    starts = np.flatnonzero(np.concatenate(([True], groups[1:] != groups[:-1])))
    sums = np.add.reduceat(index.values[rows], starts, axis=0, dtype=np.int64)
    bots = np.logical_or.reduceat(index.flags[rows], starts)
    ordered = sums[:, index.columns.index(order)]
    keep = np.flatnonzero(ordered > 0)
    # group numbers ascend with actor_login (the copy's sort order), so they break ties by login
    actors = groups[starts[keep]]
    ranked = keep[np.lexsort((actors, -ordered[keep]))[:limit]]
    out = []
    for i in ranked.tolist():
        login = index.group_names[groups[starts[i]]]
        row = dict(zip(index.columns, sums[i].tolist(), strict=True))
        out.append({"login": login, "is_bot": bool(bots[i]), **row})
    return out, len(keep)
