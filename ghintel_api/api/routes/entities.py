"""Finding entities by name, and an actor's profile (repos and orgs have theirs in repos.py/orgs.py)."""

from __future__ import annotations

from fastapi import HTTPException

from ghintel_api.api.deps import NO_QUERY_PARAMS, CursorDep, LakeDep, api_router, at_as_of, not_found
from ghintel_api.api.params import ActorActivityParams, EntitiesParams, LoginPath, QueryOf
from ghintel_api.core.windows import default_granularity
from ghintel_api.history_models import ActorActivityPublic
from ghintel_api.models import ActorPublic, EntitySearchPublic
from ghintel_api.queries.actors import actor_activity
from ghintel_api.queries.entities import actor_profile, find_entities

router = api_router("entities")
_NOT_FOUND = not_found("actor")


@router.get("/entities", operation_id="findEntities")
def get_entities(lake: LakeDep, cur: CursorDep, params: QueryOf[EntitiesParams]) -> EntitySearchPublic:
    """Repositories, organisations and actors whose name contains ``q`` (case-insensitive)."""
    return EntitySearchPublic(q=params.q, data=find_entities(lake, cur, params.q, params.limit))


@router.get("/actor/{login}", operation_id="getActor", responses=_NOT_FOUND, dependencies=[NO_QUERY_PARAMS])
def get_actor(lake: LakeDep, cur: CursorDep, login: LoginPath) -> ActorPublic:
    """Lifetime totals of an actor from gold dim_actors."""
    profile = actor_profile(lake, cur, login)
    if profile is None:
        raise HTTPException(status_code=404, detail=f"unknown actor {login}")
    return profile


@router.get("/actor/{login}/activity", operation_id="getActorActivity", responses=_NOT_FOUND)
def get_actor_activity(
    lake: LakeDep, cur: CursorDep, login: LoginPath, params: QueryOf[ActorActivityParams]
) -> ActorActivityPublic:
    """An actor's activity per day by category (events, pushes, PRs, reviews, comments, stars, ...)."""
    if actor_profile(lake, cur, login) is None:
        raise HTTPException(status_code=404, detail=f"unknown actor {login}")
    granularity = params.granularity or default_granularity(params.window)
    return at_as_of(
        lake, params.as_of, lambda as_of: actor_activity(lake, cur, login, params.window, as_of, granularity)
    )
