"""Repositories, organisations and actors whose name contains a search text (gold dim tables)."""

from __future__ import annotations

import duckdb

from ghintel_api.core.lake import Lake
from ghintel_api.models import ActorPublic, EntityMatch

# (kind, dim table, name column): one ranked query per kind, exact name first, then prefix, then busiest.
_KINDS = (
    ("repo", "dim_repos", "repo_name"),
    ("org", "dim_orgs", "org_login"),
    ("actor", "dim_actors", "login"),
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_entities(lake: Lake, cur: duckdb.DuckDBPyConnection, text: str, limit: int) -> list[EntityMatch]:
    """Case-insensitive substring match on names; each kind ranked on its own, at most ``limit`` each."""
    needle = text.strip().lower()
    pattern = f"%{_escape_like(needle)}%"
    found: list[EntityMatch] = []
    for kind, table, column in _KINDS:
        if not lake.has(table):
            continue
        rows = lake.query(
            cur,
            f"""SELECT {column} AS name, coalesce(events, 0)::BIGINT AS events FROM {lake.rel(table)}
                WHERE lower({column}) LIKE ? ESCAPE '\\'
                ORDER BY lower({column}) = ? DESC, starts_with(lower({column}), ?) DESC,
                         events DESC NULLS LAST, name
                LIMIT ?""",
            [pattern, needle, needle, limit],
        )
        found += [EntityMatch(kind=kind, **row) for row in rows]
    return found


def actor_profile(lake: Lake, cur: duckdb.DuckDBPyConnection, login: str) -> ActorPublic | None:
    """The dim_actors row of a login (exact, as /events filters), or None when unknown."""
    rows = lake.query(
        cur,
        f"""SELECT login, coalesce(is_bot, false) AS is_bot, first_seen, last_seen,
                   coalesce(events, 0)::BIGINT AS events, repos, active_days
            FROM {lake.rel("dim_actors")} WHERE login = ? ORDER BY last_seen DESC NULLS LAST LIMIT 1""",
        [login],
    )
    return ActorPublic(**rows[0]) if rows else None
