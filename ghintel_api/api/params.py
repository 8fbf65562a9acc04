"""Query parameters of every data route, one model per route (``Annotated[Model, Query()]``).

``extra="forbid"``: a parameter the route does not define is a 422 (a typo such as ``windw=7d``
must not be answered with the defaults). Patterns reject anything a name or time cannot be.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ghintel_api.core.windows import Granularity, Window, parse_time
from ghintel_api.queries.actors import ActorMetric
from ghintel_pipeline.lib.contracts.payloads import PAYLOAD_MODELS

NAME = r"^[A-Za-z0-9_.-]{1,100}$"
REPO = r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$"
# RFC 3339 date-time; the offset may be left out (then UTC)
ISO_TIME = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:\d{2})?$"
LOGIN = r"^[A-Za-z0-9_.\[\]-]{1,100}$"

OwnerPath = Annotated[str, Path(pattern=NAME, description="Repository owner (user or org login)")]
NamePath = Annotated[str, Path(pattern=NAME, description="Repository name")]
OrgPath = Annotated[str, Path(pattern=NAME, description="Organisation login (case-insensitive)")]
LoginPath = Annotated[str, Path(pattern=LOGIN, description="Actor login (exact)")]

EventType = StrEnum("EventType", {name: name for name in PAYLOAD_MODELS})
WindowField = Annotated[Window, Field(description="Span of whole hours ending at as_of")]
AsOf = Annotated[
    str | None,
    Field(
        pattern=ISO_TIME,
        description="Newest hour of the window (ISO 8601, UTC if no offset); default: newest hour in gold. "
        "Outside the lake's hours it is clamped to them, and coverage.notes says so",
    ),
]
Since = Annotated[
    str | None, Field(pattern=ISO_TIME, description="Inclusive lower bound (ISO 8601, UTC if no offset)")
]
Until = Annotated[
    str | None, Field(pattern=ISO_TIME, description="Exclusive upper bound (ISO 8601, UTC if no offset)")
]
Limit = Annotated[int, Field(ge=1, le=500, description="Number of rows, 1..500")]
DefaultedGranularity = Annotated[
    Granularity | None, Field(description="Series buckets; default hour up to 24h, else day")
]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


_P = TypeVar("_P", bound=_Params)
QueryOf = Annotated[_P, Query()]
"""A route's query parameters: ``params: QueryOf[TrendingParams]``."""


class _TimeRange(_Params):
    since: Since = None
    until: Until = None

    @model_validator(mode="after")
    def _ordered(self):
        since, until = parse_time(self.since, "since"), parse_time(self.until, "until")
        if since is not None and until is not None and since > until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        return self


class NoParams(_Params):
    """A route without query parameters still refuses unknown ones."""


class TrendingParams(_Params):
    window: WindowField = Window.h24
    limit: Limit = 25
    as_of: AsOf = None


class OrgSummaryParams(_Params):
    window: WindowField = Window.h24
    as_of: AsOf = None
    granularity: DefaultedGranularity = None
    top: Annotated[int, Field(ge=1, le=100, description="Length of top_repos and top_actors")] = 10


class RepoActivityParams(_Params):
    window: WindowField = Window.h24
    granularity: Annotated[Granularity, Field(description="Series buckets")] = Granularity.hour
    as_of: AsOf = None


class TrendingHistoryParams(_Params):
    window: Annotated[Window, Field(description="Trending window of every point")] = Window.h24
    as_of: AsOf = None
    hours: Annotated[
        int, Field(ge=1, le=2160, description="Scored hours to look back over, ending at as_of (1..2160)")
    ] = 168


class ActorActivityParams(_Params):
    window: WindowField = Window.d7
    as_of: AsOf = None
    granularity: DefaultedGranularity = None


class StargazersParams(_Params):
    window: WindowField = Window.h1
    as_of: AsOf = None
    limit: Limit = 500
    min_shared: Annotated[
        int, Field(ge=1, le=1000, description="co_starred: repos shared by at least this many accounts")
    ] = 2


class TopActorsParams(_Params):
    window: WindowField = Window.h24
    limit: Limit = 10
    include_bots: Annotated[bool, Field(description="Count accounts flagged as bots")] = False
    metric: Annotated[ActorMetric, Field(description="Ranking metric (prs = pull requests opened)")] = (
        ActorMetric.events
    )
    as_of: AsOf = None


class AnomaliesParams(_Params):
    since: Since = None
    severity: Annotated[Literal["low", "medium", "high"] | None, Field(description="Only this severity")] = (
        None
    )
    repo: Annotated[str | None, Field(pattern=REPO, description="owner/name; 404 when unknown")] = None
    org: Annotated[str | None, Field(pattern=NAME, description="Organisation login; 404 when unknown")] = None
    limit: Limit = 50


class EventsParams(_TimeRange):
    repo: Annotated[str | None, Field(pattern=REPO, description="owner/name")] = None
    actor: Annotated[str | None, Field(pattern=LOGIN, description="Actor login")] = None
    type: Annotated[EventType | None, Field(description="GitHub event type, e.g. PushEvent")] = None
    limit: Limit = 100
    cursor: Annotated[
        str | None,
        Field(
            pattern=r"^[A-Za-z0-9_-]{1,300}$", description="next_cursor of the previous page, same filters"
        ),
    ] = None


class CoverageParams(_TimeRange):
    limit: Annotated[int, Field(ge=1, le=5000, description="Rows (hour x source), newest first")] = 500


class QuarantineParams(_TimeRange):
    limit: Annotated[
        int, Field(ge=1, le=5000, description="Groups (reason x source x hour), newest first")
    ] = 500


class EntitiesParams(_Params):
    q: Annotated[
        str,
        Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\[\]/-]+$", description="Part of a name"),
    ]
    limit: Annotated[int, Field(ge=1, le=50, description="Matches per kind, 1..50")] = 10


QUERY_MODELS = (
    TrendingParams,
    OrgSummaryParams,
    RepoActivityParams,
    TrendingHistoryParams,
    ActorActivityParams,
    StargazersParams,
    TopActorsParams,
    AnomaliesParams,
    EventsParams,
    CoverageParams,
    QuarantineParams,
    EntitiesParams,
)
