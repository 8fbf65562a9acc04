from __future__ import annotations

from datetime import datetime

from ghintel_api.api.deps import CursorDep, LakeDep, api_router, at_as_of
from ghintel_api.api.params import QueryOf, TopActorsParams
from ghintel_api.core.windows import window_span
from ghintel_api.models import TopActorsPublic
from ghintel_api.queries.actors import top_actors
from ghintel_api.queries.coverage import span_coverage

router = api_router("actors", "/actors")


@router.get("/top", operation_id="getTopActors")
def get_top_actors(lake: LakeDep, cur: CursorDep, params: QueryOf[TopActorsParams]) -> TopActorsPublic:
    """The most active actors of the window by the chosen metric."""

    def answer(as_of: datetime | None) -> TopActorsPublic:
        span = window_span(params.window, as_of) if as_of is not None else None
        data = (
            top_actors(
                lake, cur, span, metric=params.metric, include_bots=params.include_bots, limit=params.limit
            )
            if span
            else []
        )
        return TopActorsPublic(
            window=params.window.value,
            as_of=as_of,
            metric=params.metric.value,
            include_bots=params.include_bots,
            coverage=span_coverage(lake, span),
            data=data,
        )

    return at_as_of(lake, params.as_of, answer)
