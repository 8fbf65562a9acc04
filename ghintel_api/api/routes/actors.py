from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ghintel_api.api.deps import DATA_DEPENDENCIES, CursorDep, LakeDep
from ghintel_api.api.params import AsOfQuery, LimitQuery, WindowQuery
from ghintel_api.core.windows import Window, resolve_as_of, window_span
from ghintel_api.models import TopActorsPublic
from ghintel_api.queries.actors import ActorMetric, top_actors
from ghintel_api.queries.coverage import span_coverage

router = APIRouter(prefix="/actors", tags=["actors"], dependencies=DATA_DEPENDENCIES)


@router.get("/top", response_model=TopActorsPublic, operation_id="getTopActors")
def get_top_actors(
    lake: LakeDep,
    cur: CursorDep,
    window: WindowQuery = Window.h24,
    limit: LimitQuery = 10,
    include_bots: Annotated[bool, Query(description="Count accounts flagged as bots")] = False,
    metric: Annotated[
        ActorMetric, Query(description="Ranking metric (prs = pull requests opened)")
    ] = ActorMetric.events,
    as_of: AsOfQuery = None,
) -> TopActorsPublic:
    """The most active actors of the window by the chosen metric."""
    resolved = resolve_as_of(as_of, lake.newest_hour)
    span = window_span(window, resolved) if resolved is not None else None
    data = top_actors(lake, cur, span, metric=metric, include_bots=include_bots, limit=limit) if span else []
    return TopActorsPublic(
        window=window.value,
        as_of=resolved,
        metric=metric.value,
        include_bots=include_bots,
        coverage=span_coverage(lake, span),
        data=data,
    )
