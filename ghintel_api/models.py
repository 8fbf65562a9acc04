"""Response models: the public contract of the API (field names are documented in docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

CoverageLevel = Literal["ok", "low", "missing"]


class Coverage(BaseModel):
    """How complete the data behind a metric is, from gold ``data_coverage`` over the window's hours."""

    status: Literal["complete", "partial", "missing"] = Field(
        description="complete: every hour ok; partial: some hours missing or low; missing: no data"
    )
    hours_expected: int
    hours_ok: int
    hours_low: int
    hours_missing: int
    star_status: Literal["complete", "partial", "missing"] = Field(
        description="Same for stars (WatchEvents), which some sources stopped delivering"
    )
    first_hour: datetime | None = None
    last_hour: datetime | None = None
    notes: list[str] = []


class TrendingScoreParts(BaseModel):
    """What a trending score is made of, alike in repo_trending and repo_trending_history."""

    stargazers: int | None = None
    contributors: int | None = None
    star_component: float | None = None
    fork_component: float | None = None
    activity_component: float | None = None
    velocity_per_hour: float | None = None


class TrendingRepo(TrendingScoreParts):
    rank: int
    repo_id: int | None = None
    repo_name: str
    score: float
    stars: int
    forks: int
    prev_window_stars: int | None = None
    velocity_change: float | None = None
    explanation: str | None = None


class TrendingPublic(BaseModel):
    window: str
    as_of: datetime | None
    table: str = Field(
        "repo_trending",
        description="Gold table of the rows: repo_trending, or repo_trending_history for an older hour",
    )
    coverage: Coverage
    data: list[TrendingRepo]


class _PushCounts(BaseModel):
    """0 is a known zero, null is unknown — everywhere: without pushes there are 0 commits; null
    only when there were pushes but none carried a commit count (trimmed payloads since 2025-10)."""

    @model_validator(mode="after")
    def _no_pushes_no_commits(self):
        if self.pushes == 0:
            self.commits = 0
        return self


class TopRepo(BaseModel):
    repo_name: str
    events: int
    stars: int
    pushes: int
    prs_opened: int


class TopActor(_PushCounts):
    rank: int
    login: str
    is_bot: bool
    events: int
    pushes: int
    commits: int | None = Field(
        default=None, description="0 without pushes; null when no push carried a commit count"
    )
    prs_opened: int
    prs_merged: int
    reviews: int
    comments: int
    issues_opened: int


class OrgSeriesPoint(BaseModel):
    ts: datetime
    events: int
    stars: int
    pushes: int
    prs_opened: int
    repos: int


class OrgSummaryPublic(BaseModel):
    org: str
    window: str
    as_of: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    events: int
    repos: int
    actors: int
    stars: int
    forks: int
    pushes: int
    prs_opened: int
    prs_merged: int
    issues_opened: int
    top_repos: list[TopRepo]
    top_actors: list[TopActor]
    granularity: str
    series: list[OrgSeriesPoint]
    coverage: Coverage


class ActivityTotals(_PushCounts):
    events: int
    stars: int
    forks: int
    pushes: int
    commits: int | None = Field(
        description="0 without pushes; null when there were pushes but none carried a commit count"
    )
    prs_opened: int
    prs_merged: int
    prs_closed: int
    issues_opened: int
    issues_closed: int
    comments: int
    reviews: int
    releases: int


class ActivityPoint(ActivityTotals):
    ts: datetime
    distinct_actors: int | None = Field(
        default=None, description="Distinct actors in that hour (hour granularity only)"
    )
    coverage: CoverageLevel


class RepoActivityPublic(BaseModel):
    repo: str
    window: str
    as_of: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    granularity: str
    totals: ActivityTotals
    series: list[ActivityPoint]
    coverage: Coverage


class TopActorsPublic(BaseModel):
    window: str
    as_of: datetime | None
    metric: str
    include_bots: bool
    coverage: Coverage
    data: list[TopActor]


class Anomaly(BaseModel):
    entity_type: str
    entity: str
    metric: str
    event_hour: datetime
    observed: float | None = None
    baseline: float | None = None
    spread: float | None = None
    score: float | None = None
    method: str | None = None
    severity: str
    explanation: str | None = None


class AnomaliesPublic(BaseModel):
    since: datetime | None
    coverage: Coverage
    data: list[Anomaly]


class RepoTrendingRank(BaseModel):
    window: str
    as_of: datetime
    rank: int
    score: float


class RepoOverviewPublic(BaseModel):
    repo_id: int | None = None
    repo_name: str
    owner: str | None = None
    org_login: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    events: int
    stars: int
    forks: int
    pushes: int
    prs_opened: int
    issues_opened: int
    actors: int | None = None
    trending: list[RepoTrendingRank]
    recent_anomalies: list[Anomaly]
    coverage: Coverage


class Event(BaseModel):
    event_id: str
    event_type: str
    category: str | None = None
    action: str | None = None
    created_at: datetime
    actor_login: str
    is_bot: bool | None = None
    repo_name: str
    org_login: str | None = None
    ref: str | None = None
    ref_type: str | None = None
    number: int | None = None
    commit_count: int | None = None
    merged: bool | None = None
    source: str | None = None


class EventsPage(BaseModel):
    data: list[Event]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next (older) page; null at the end")


class CoverageHour(BaseModel):
    event_hour: datetime
    source: str | None = None
    events: int
    coverage: CoverageLevel
    star_coverage: CoverageLevel
    is_gap: bool
    watch_share: float | None = None
    baseline_watch_share: float | None = None
    pr_share: float | None = None
    baseline_pr_share: float | None = None
    note: str | None = None


class CoverageReportPublic(BaseModel):
    since: datetime | None
    until: datetime | None
    coverage: Coverage
    hours: list[CoverageHour]


class TableHealth(BaseModel):
    version: int | None
    rows: int
    loaded_at: datetime | None
    last_commit: datetime | None


class QuarantineExample(BaseModel):
    message: str = Field(description="Why the contract refused the record (never its raw bytes)")
    raw_sha1: str | None = Field(description="SHA-1 of the raw record: finds it in the quarantine table")
    kafka_partition: int | None
    kafka_offset: int | None


class QuarantineGroup(BaseModel):
    reason: str
    source: str | None
    hour: datetime = Field(description="GH Archive file hour when backfilled, else the hour quarantined")
    records: int
    examples: list[QuarantineExample]


class QuarantineReportPublic(BaseModel):
    since: datetime
    until: datetime
    total: int
    by_reason: dict[str, int]
    groups: list[QuarantineGroup]


class QuarantineShare(BaseModel):
    quarantined: int
    accepted: int
    share: float = Field(description="quarantined / (quarantined + accepted) over the window")
    threshold: float = Field(description="GHINTEL_MAX_QUARANTINE_SHARE: above it, status is degraded")
    window_hours: float
    reasons: dict[str, int]


class HealthReason(BaseModel):
    code: Literal["paused", "lagging", "check_failed", "quarantine", "tables"]
    message: str


class HealthStatusPublic(BaseModel):
    """What /health tells anyone; the inventory (HealthPublic) needs a key when keys are configured."""

    status: Literal["ok", "degraded", "empty"] = Field(
        description="degraded: see reasons (HTTP 200); empty: no gold table loaded yet (HTTP 503)"
    )


class HealthPublic(HealthStatusPublic):
    reasons: list[HealthReason] = []
    quarantine: QuarantineShare | None = None
    kafka_lag: int | None = Field(default=None, description="Records waiting in Kafka; null when unknown")
    tables: dict[str, TableHealth]
    newest_hour: datetime | None
    last_ingest: datetime | None = Field(description="Time of silver's newest Delta commit")
    ingest_age_seconds: float | None
    data_age_seconds: float | None = Field(description="Seconds since the end of the newest hour in gold")
    reloads: int


class EntityMatch(BaseModel):
    kind: Literal["repo", "org", "actor"]
    name: str = Field(description="repo_name (owner/name), org_login or actor login")
    events: int = Field(description="Lifetime events of the entity in gold")


class EntitySearchPublic(BaseModel):
    q: str
    data: list[EntityMatch]


class ActorPublic(BaseModel):
    login: str
    is_bot: bool
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    events: int = Field(description="Lifetime events in gold dim_actors")
    repos: int | None = None
    active_days: int | None = None


class ErrorPublic(BaseModel):
    error: str
    message: str
    request_id: str | None = None


class ValidationErrorPublic(ErrorPublic):
    detail: list[dict] = []
