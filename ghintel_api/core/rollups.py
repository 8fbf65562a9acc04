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
- ``fct_org_actor_activity_hourly`` by (org_login, actor_login, event_hour): ``/org/{org}/summary``'s
  actors;
- ``fct_actor_activity_hourly`` by event_hour and ``fct_actor_activity_daily`` by event_date, with
  one actor numbering over both (rebuilt when either is reloaded): ``/actors/top`` summed over the
  marts (30d, an hour the ``api_top_actors`` rollup did not score, a deep limit);
- ``api_top_actors`` by (as_of, window, include_bots) with each ranking's ranks: ``/actors/top``
  read ranked (1h, 24h, 7d);
- ``anomalies``, a small mart, as rows in the route's order (sorted by DuckDB when loaded) with
  the row numbers of each entity: ``/anomalies``.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
import numpy as np

from ghintel_api.core.rows import result_rows
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
    "fct_actor_activity_hourly": ("actor_windows",),
    "fct_actor_activity_daily": ("actor_windows",),
    "api_top_actors": ("ranked_actors",),
    "anomalies": ("anomaly_rows",),
}
ACTOR_MARTS = ("fct_actor_activity_hourly", "fct_actor_activity_daily")


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
    values_arr = _narrow(_matrix(fetched[2 : 2 + n_values]))
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


def _matrix(columns: list, dtype=np.int64) -> np.ndarray:
    """Fetched columns side by side: one row per result row (also for an empty result)."""
    if not columns or not len(columns[0]):
        return np.zeros((0, len(columns)), dtype=dtype)
    return np.stack([np.asarray(c, dtype=dtype) for c in columns], axis=1)


def _narrow(values: np.ndarray) -> np.ndarray:
    """int32 when every value fits (half the memory; sums are taken in int64), else as is."""
    small = np.iinfo(np.int32)
    if not values.size or (values.min() >= small.min and values.max() <= small.max):
        return values.astype(np.int32)
    return values


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Positions where a run of equal consecutive ``values`` starts (``values`` non-empty)."""
    return np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))


def _ranges(keys: np.ndarray) -> dict:
    """Each run of equal ``keys`` (sorted) -> its rows [lo, hi)."""
    if not len(keys):
        return {}
    starts = _run_starts(keys)
    stops = np.append(starts[1:], len(keys))
    return {keys[s]: (int(s), int(e)) for s, e in zip(starts, stops, strict=True)}


def rollup_indexes(
    cur: duckdb.DuckDBPyConnection, mart: str, physical: str, loaded: Callable[[str], str | None]
) -> dict | None:
    """The indexes built from one loaded mart (name -> index), or None for a mart not indexed;
    ``loaded`` gives the current copy of another mart (None when it is not loaded)."""
    if mart in ACTOR_MARTS:
        copies = {m: physical if m == mart else loaded(m) for m in ACTOR_MARTS}
        if None in copies.values():
            return None
        windows = _actor_windows(cur, *copies.values())
        return None if windows is None else {"actor_windows": windows}
    if mart == "api_top_actors":
        ranked = _ranked_actors(cur, physical)
        return None if ranked is None else {"ranked_actors": ranked}
    if mart == "anomalies":
        listed = _anomaly_rows(cur, physical)
        return None if listed is None else {"anomaly_rows": listed}
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


def hours_with_events(index: KeyedHours, key: str) -> list[datetime]:
    """The sorted hours (UTC) in which ``key``'s rows count events (``events > 0``)."""
    lo, hi = index.ranges.get(key, (0, 0))
    counted = index.hours[lo:hi][index.values[lo:hi, index.columns.index("events")] > 0]
    return [_stamp(h) for h in counted.tolist()]


def _buckets(hours: np.ndarray, granularity: Granularity) -> np.ndarray:
    return hours if granularity is Granularity.hour else hours // 24 * 24


def _stamp(hour: int) -> datetime:
    return EPOCH + timedelta(hours=int(hour))


def _grouped(index: KeyedHours, rows: np.ndarray, by: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First row number and column sums of each run of equal ``by`` (``by`` sorted in runs)."""
    starts = _run_starts(by)
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
    starts = _run_starts(groups)
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


@dataclass(frozen=True)
class ActorParts:
    """One actor mart's rows sorted by time: ``when`` (hour or day number), the row's day number,
    actor number (ascending with actor_login), is_bot and the measures in ACTOR_MEASURES."""

    when: np.ndarray
    days: np.ndarray
    actors: np.ndarray
    bots: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class ActorWindows:
    logins: np.ndarray  # actor number -> actor_login, over both marts
    hourly: ActorParts
    daily: ActorParts

    @property
    def nbytes(self) -> int:
        parts = (self.hourly, self.daily)
        return sum(a.nbytes for p in parts for a in (p.when, p.days, p.actors, p.bots, p.values))


def _actor_windows(cur: duckdb.DuckDBPyConnection, hourly: str, daily: str) -> ActorWindows | None:
    """Both actor marts over one actor numbering; None when a row has no login or no date (the
    SQL's grouping and day filter treat those rows in ways these arrays do not)."""
    for table in (hourly, daily):
        (odd,) = cur.execute(
            f"SELECT count(*) FROM {table} WHERE actor_login IS NULL OR event_date IS NULL"
        ).fetchone()
        if odd:
            return None
    codes = (
        f"WITH logins AS (SELECT actor_login FROM {hourly} UNION SELECT actor_login FROM {daily}), "
        "codes AS (SELECT actor_login, (row_number() OVER (ORDER BY actor_login) - 1)::INTEGER AS code "
        "FROM logins) "
    )
    logins = cur.execute(codes + "SELECT actor_login FROM codes ORDER BY code").fetchnumpy()["actor_login"]
    measures = ", ".join(f"coalesce(t.{c}, 0)::BIGINT" for c in ACTOR_MEASURES)
    day = "date_diff('day', DATE '1970-01-01', t.event_date)"

    def part(table: str, when: str, order: str, where: str) -> ActorParts:
        cur.execute(
            codes + f"SELECT {when} AS w, {day} AS d, c.code, coalesce(t.is_bot, false) AS b, {measures} "
            f"FROM {table} t JOIN codes c USING (actor_login) WHERE {where} ORDER BY {order}"
        )
        got = list(cur.fetchnumpy().values())
        values = _matrix(got[4:])
        return ActorParts(
            when=_narrow(np.asarray(got[0], dtype=np.int64)),
            days=_narrow(np.asarray(got[1], dtype=np.int64)),
            actors=np.asarray(got[2], dtype=np.int32),
            bots=np.asarray(got[3], dtype=bool),
            values=_narrow(values),
        )

    hours = _hour_number("t.event_hour")
    return ActorWindows(
        logins=np.asarray(logins, dtype=object),
        hourly=part(hourly, hours, "t.event_hour", "t.event_hour IS NOT NULL"),
        daily=part(daily, day, "t.event_date", "true"),
    )


def _day(value: date) -> int:
    return (value - EPOCH.date()).days


def top_actors_summed(
    index: ActorWindows, span: Span, *, order: str, include_bots: bool, limit: int
) -> tuple[list[dict], int]:
    """The top actors of the span as queries/actors.top_actors_counted sums them without an org:
    the span's whole UTC days from the daily mart, its other hours from the hourly one; ranked by
    sum(order) DESC, login, actors with sum(order) > 0 only; and how many actors matched."""
    h, d = index.hourly, index.daily
    a, b = np.searchsorted(h.when, (_hour(span.first_hour), _hour(span.end)))
    keep = np.ones(b - a, dtype=bool)
    full_days = span.full_days()
    if full_days is not None:
        first_day, last_day = _day(full_days[0]), _day(full_days[1])
        days = h.days[a:b]
        keep &= (days < first_day) | (days > last_day)
        lo, hi = np.searchsorted(d.when, (first_day, last_day + 1))
    else:
        lo = hi = 0
    if not include_bots:
        keep &= ~h.bots[a:b]
    parts = [(h, a + np.flatnonzero(keep))]
    parts.append((d, np.arange(lo, hi) if include_bots else lo + np.flatnonzero(~d.bots[lo:hi])))
    col = ACTOR_MEASURES.index(order)
    n = len(index.logins)
    total = np.zeros(n, dtype=np.float64)  # exact: integer sums far below 2**53
    for p, rows in parts:
        total += np.bincount(p.actors[rows], weights=p.values[rows, col], minlength=n)
    matched = int(np.count_nonzero(total > 0))
    k = min(limit, matched)
    if k <= 0:
        return [], matched
    kth = np.partition(total, n - k)[n - k]  # the k-th largest sum (> 0)
    above = np.flatnonzero(total > kth)
    above = above[np.lexsort((above, -total[above]))]  # by sum DESC, then login (actor number)
    top = np.concatenate((above, np.flatnonzero(total == kth)[: k - len(above)]))
    position = np.full(n, -1, dtype=np.int64)
    position[top] = np.arange(k)
    sums = np.zeros((k, len(ACTOR_MEASURES)), dtype=np.int64)
    bots = np.zeros(k, dtype=bool)
    for p, rows in parts:
        at = position[p.actors[rows]]
        picked = rows[at >= 0]
        at = at[at >= 0]
        np.add.at(sums, at, p.values[picked].astype(np.int64))
        bots[at[p.bots[picked]]] = True
    out = []
    for i, actor in enumerate(top.tolist()):
        row = dict(zip(ACTOR_MEASURES, sums[i].tolist(), strict=True))
        out.append({"login": index.logins[actor], "is_bot": bool(bots[i]), **row})
    return out, matched


# api_top_actors' rankings, in the order of RankedActors.ranks' columns
RANK_COLUMNS = ("rank_events", "rank_pushes", "rank_prs", "rank_reviews")
_RANKED_KEY = ("as_of", '"window"', "include_bots")


@dataclass(frozen=True)
class RankedActors:
    """api_top_actors sorted by (as_of, window, include_bots): ``ranges`` maps (as_of in µs since
    the epoch, window, include_bots) to its rows [lo, hi); ``ranks`` holds each ranking's rank
    (RANK_COLUMNS; 0 = not ranked), ``values`` the ACTOR_MEASURES and ``nulls`` where they are NULL."""

    ranges: dict[tuple[int, str, bool], tuple[int, int]]
    ranks: np.ndarray
    logins: np.ndarray
    bots: np.ndarray
    values: np.ndarray
    nulls: np.ndarray

    @property
    def nbytes(self) -> int:
        arrays = (self.ranks, self.bots, self.values, self.nulls)
        return sum(a.nbytes for a in arrays) + 8 * len(self.logins)


def _ranked_actors(cur: duckdb.DuckDBPyConnection, physical: str) -> RankedActors | None:
    """None when a key, login or is_bot is NULL (the SQL's equality would skip such rows, and a
    NULL login or is_bot is no TopActor): the route then keeps its SQL."""
    odd = " OR ".join(f"{c} IS NULL" for c in (*_RANKED_KEY, "login", "is_bot"))
    (count,) = cur.execute(f"SELECT count(*) FROM {physical} WHERE {odd}").fetchone()
    if count:
        return None
    ranks = [f"coalesce({c}, 0)::BIGINT" for c in RANK_COLUMNS]
    values = [f"coalesce({c}, 0)::BIGINT" for c in ACTOR_MEASURES]
    nulls = [f"{c} IS NULL" for c in ACTOR_MEASURES]
    select = ["epoch_us(as_of)", '"window"', "include_bots", "login", "is_bot", *ranks, *values, *nulls]
    cur.execute(f"SELECT {', '.join(select)} FROM {physical} ORDER BY {', '.join(_RANKED_KEY)}, login")
    got = list(cur.fetchnumpy().values())
    keys = np.empty(len(got[0]), dtype=object)  # (as_of µs, window, include_bots) per row
    keys[:] = list(
        zip(
            np.asarray(got[0], dtype=np.int64).tolist(),
            list(got[1]),
            np.asarray(got[2], dtype=bool).tolist(),
            strict=True,
        )
    )
    k, m = len(RANK_COLUMNS), len(ACTOR_MEASURES)
    return RankedActors(
        ranges=_ranges(keys),
        ranks=_narrow(_matrix(got[5 : 5 + k])),
        logins=np.asarray(got[3], dtype=object),
        bots=np.asarray(got[4], dtype=bool),
        values=_narrow(_matrix(got[5 + k : 5 + k + m])),
        nulls=_matrix(got[5 + k + m :], bool),
    )


def _micros(value: datetime) -> int:
    """Microseconds since the epoch; a naive datetime is UTC (as the copies' columns are)."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return (aware - EPOCH) // timedelta(microseconds=1)


def ranked_actors(
    index: RankedActors, as_of: datetime, window: str, include_bots: bool, rank: str, limit: int
) -> list[dict]:
    """The rows of queries/actors._ranked_in_rollup's SQL: the key's rows with ``rank`` in
    [1, limit], by rank (ranks are row numbers, so the order is total)."""
    lo, hi = index.ranges.get((_micros(as_of), window, include_bots), (0, 0))
    ranks = index.ranks[lo:hi, RANK_COLUMNS.index(rank)]
    picked = np.flatnonzero((ranks > 0) & (ranks <= limit))
    picked = lo + picked[np.argsort(ranks[picked], kind="stable")]
    out = []
    for i in picked.tolist():
        values = index.values[i].tolist()
        if index.nulls[i].any():
            values = [None if null else v for v, null in zip(values, index.nulls[i].tolist(), strict=True)]
        out.append(
            {
                "login": index.logins[i],
                "is_bot": bool(index.bots[i]),
                **dict(zip(ACTOR_MEASURES, values, strict=True)),
            }
        )
    return out


# /anomalies' order, made total (the mart's grain is entity_type, entity, metric, event_hour):
# the route's SQL and the index below both use it
ANOMALY_ORDER = "event_hour DESC, score DESC NULLS LAST, entity, entity_type, metric"
# a larger mart stays with the SQL (its rows are held as Python tuples, ~1 KB each)
ANOMALY_ROWS_MAX = 50_000
_NO_HOUR = float("inf")


@dataclass(frozen=True)
class AnomalyRows:
    """The anomalies mart's rows (as ``result_rows`` gives them) in ANOMALY_ORDER, as tuples of
    ``columns``; ``newest_first`` is minus each row's event_hour in µs (ascending; +inf for NULL);
    ``by_entity`` maps (entity_type, lower(entity)) to its row numbers, ascending."""

    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    newest_first: list[float]
    by_entity: dict[tuple[str, str], list[int]]
    severity_at: int
    nbytes: int


def _anomaly_rows(cur: duckdb.DuckDBPyConnection, physical: str) -> AnomalyRows | None:
    (count,) = cur.execute(f"SELECT count(*) FROM {physical}").fetchone()
    if count > ANOMALY_ROWS_MAX:
        return None
    cur.execute(f"SELECT *, lower(entity) AS entity__lower FROM {physical} ORDER BY {ANOMALY_ORDER}")
    dicts = result_rows(cur)
    columns = tuple(cur.description[i][0] for i in range(len(cur.description) - 1))
    rows, newest_first, by_entity = [], [], {}
    for i, row in enumerate(dicts):
        lowered = row.pop("entity__lower")
        rows.append(tuple(row[c] for c in columns))
        hour = row["event_hour"]
        newest_first.append(_NO_HOUR if hour is None else -_micros(hour))
        if row["entity_type"] is not None and lowered is not None:
            by_entity.setdefault((row["entity_type"], lowered), []).append(i)
    size = sum(sys.getsizeof(r) + sum(sys.getsizeof(v) for v in r) for r in rows)
    return AnomalyRows(columns, tuple(rows), newest_first, by_entity, columns.index("severity"), size)


def anomaly_rows(
    index: AnomalyRows,
    *,
    since: datetime | None,
    severity: str | None,
    entity: tuple[str, str] | None,
    limit: int,
) -> list[dict] | None:
    """The rows of queries/anomalies' SQL: ``event_hour >= since``, the severity, the entity
    ((entity_type, name), its name compared lower-cased) and the first ``limit`` in ANOMALY_ORDER;
    None for a non-ASCII name (Python's and DuckDB's lower-casing agree on ASCII only)."""
    end = len(index.rows)
    if since is not None:
        end = bisect.bisect_right(index.newest_first, -_micros(since))
    if entity is None:
        candidates: range | list[int] = range(end)
    else:
        if not entity[1].isascii():
            return None
        positions = index.by_entity.get((entity[0], entity[1].lower()), [])
        candidates = positions[: bisect.bisect_left(positions, end)]
    out = []
    for i in candidates:
        if len(out) >= limit:
            break
        row = index.rows[i]
        if severity is None or row[index.severity_at] == severity:
            out.append(dict(zip(index.columns, row, strict=True)))
    return out


# what Lake.rollups holds
Rollup = KeyedHours | ActorWindows | RankedActors | AnomalyRows
