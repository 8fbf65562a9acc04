"""Response models of the history routes: a repository's trending ranks over time and an actor's
activity series (their own module so models.py stays one room)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from ghintel_api.models import Coverage, CoverageLevel, TrendingScoreParts


class TrendingHistoryPoint(TrendingScoreParts):
    as_of: datetime = Field(description="Scored hour: the newest hour of the window (UTC)")
    ranked: bool = Field(description="False when the repository was not in the top N of that hour")
    rank: int | None = None
    score: float | None = None
    forkers: int | None = None


class TrendingHistoryPublic(BaseModel):
    repo: str
    window: str = Field(description="Trending window of every point (1h, 24h, 7d, 30d)")
    as_of: datetime | None = Field(description="Newest scored hour of the answer")
    since: datetime | None = Field(description="Oldest hour the answer looks at (inclusive)")
    hours: int = Field(description="Length of the looked-at span in hours")
    scored_hours: int = Field(description="Hours of the span that gold scored (one point each)")
    ranked_hours: int = Field(description="Points where the repository ranked")
    best_rank: int | None = None
    coverage: Coverage
    data: list[TrendingHistoryPoint]


class ActorActivityTotals(BaseModel):
    events: int
    pushes: int
    commits: int | None = Field(None, description="Commits of pushes with a known size (NULL: none had one)")
    prs_opened: int
    prs_merged: int
    reviews: int
    comments: int
    issues_opened: int
    stars: int
    forks: int


class ActorActivityPoint(ActorActivityTotals):
    ts: datetime = Field(description="Start of the bucket (UTC)")
    repos: int | None = Field(None, description="Distinct repositories of the bucket (day buckets only)")
    coverage: CoverageLevel


class ActorActivityPublic(BaseModel):
    login: str
    window: str
    as_of: datetime | None
    window_start: datetime | None = Field(description="First bucket's start (whole UTC days for day buckets)")
    window_end: datetime | None = Field(description="Exclusive end of the last bucket's data")
    granularity: str
    totals: ActorActivityTotals
    series: list[ActorActivityPoint]
    coverage: Coverage
