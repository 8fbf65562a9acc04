"""Response models of the routes the agents read beside the seed ones: stargazer signals and the
retrieval index (field names are documented in docs/api.md and docs/agents.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ghintel_api.models import Coverage


class Stargazer(BaseModel):
    actor_id: int
    login: str
    starred_at: datetime
    events: int | None = Field(default=None, description="All events of the account in the lake")
    repos: int | None = None
    active_days: int | None = None
    is_low_activity: bool | None = Field(
        default=None, description="All events on one day, at most 2 events, at most 1 repo (dim_actors)"
    )
    actor_id_percentile: float | None = Field(
        default=None, description="Rank of the account id among all actors: an account-age proxy"
    )


class CoStarredRepo(BaseModel):
    repo_name: str
    shared_stargazers: int
    first_starred_at: datetime
    last_starred_at: datetime


class StargazersPublic(BaseModel):
    repo: str
    since: datetime
    until: datetime
    stargazers: int = Field(description="Distinct accounts that starred the repo in [since, until)")
    low_activity: int = Field(description="Low-activity accounts among the listed stargazers")
    data: list[Stargazer]
    co_starred: list[CoStarredRepo] = Field(
        description="Other repos starred in the span by at least min_shared of these accounts"
    )
    coverage: Coverage


class SourceRow(BaseModel):
    """A gold row a document was rendered from (cite it like an API row)."""

    table: str
    key: dict[str, Any]
    delta_version: int | None
    values: dict[str, Any]


class SearchHit(BaseModel):
    id: str
    kind: Literal["repo", "org", "actor", "anomaly", "trending", "coverage", "metric"]
    entity: str | None
    title: str
    text: str
    score: float = Field(description="Reciprocal-rank-fusion score (hybrid) or the single ranker's score")
    bm25_rank: int | None = None
    dense_rank: int | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    rows: list[SourceRow]


class SearchFilter(BaseModel):
    entities: list[str]
    kinds: list[str]
    since: datetime | None
    until: datetime | None


class SearchPublic(BaseModel):
    query: str
    mode: Literal["hybrid", "bm25", "dense"]
    prefilter: SearchFilter
    embedder: str
    index_version: int | None
    results: list[SearchHit]
