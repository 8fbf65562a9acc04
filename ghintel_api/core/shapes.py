"""Copies shaped for the routes, made next to a mart's in-memory copy when it is (re)loaded.

Nothing here computes a metric: a shape only filters, projects and re-sorts the rows of one mart
(metric rules live in dbt), so a route reads a few rows instead of a whole table.

- ``org_repo_activity_hourly``: the rows of ``fct_repo_activity_hourly`` that belong to an
  organisation, with the columns ``/org/{org}/summary`` reads, sorted by (org_login, event_hour).
  The mart itself is sorted by repository, so an organisation's rows were spread over every row
  group and each summary scanned the whole table twice.
- Name indexes: lower-cased name -> stored name of ``dim_repos`` / ``dim_orgs`` (the most recently
  seen on a clash), kept in Python. Resolving a case-insensitive name was a ``lower()`` over every
  row of the dimension per request; now it is a dict lookup and an equality on the stored name.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Shape:
    name: str
    sql: str  # {src}: physical name of the mart's current copy


SHAPES: dict[str, tuple[Shape, ...]] = {
    "fct_repo_activity_hourly": (
        Shape(
            "org_repo_activity_hourly",
            """SELECT org_login, repo_name, event_hour, events, stars, forks, pushes, prs_opened,
                      prs_merged, issues_opened
               FROM {src} WHERE org_login IS NOT NULL ORDER BY org_login, event_hour, repo_name""",
        ),
    ),
}
SHAPE_SOURCE = {shape.name: mart for mart, shapes in SHAPES.items() for shape in shapes}
# dimension -> its name column, looked up case-insensitively
NAME_COLUMNS = {"dim_repos": "repo_name", "dim_orgs": "org_login"}


def build_shapes(cur: duckdb.DuckDBPyConnection, mart: str, physical: str, version: int) -> dict[str, str]:
    """Create the shapes of ``mart`` from its copy ``physical``; logical -> physical name."""
    out = {}
    for shape in SHAPES.get(mart, ()):
        target = f"{shape.name}__v{version}"
        cur.execute(f"CREATE OR REPLACE TABLE {target} AS {shape.sql.format(src=physical)}")
        out[shape.name] = target
    return out


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
