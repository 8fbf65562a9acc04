"""Finding entities by name, and an actor's profile (repos and orgs have theirs in repos.py/orgs.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from ghintel_api.api.deps import DATA_DEPENDENCIES, NO_QUERY_PARAMS, CursorDep, LakeDep, noted
from ghintel_api.api.params import LOGIN, ActorActivityParams, EntitiesParams
from ghintel_api.core.windows import clamp_as_of, default_granularity
from ghintel_api.history_models import ActorActivityPublic
from ghintel_api.models import ActorPublic, EntitySearchPublic
from ghintel_api.queries.actors import actor_activity
from ghintel_api.queries.entities import actor_profile, find_entities

router = APIRouter(tags=["entities"], dependencies=DATA_DEPENDENCIES)

LoginPath = Annotated[str, Path(pattern=LOGIN, description="Actor login (exact)")]


@router.get("/entities", response_model=EntitySearchPublic, operation_id="findEntities")
def get_entities(
    lake: LakeDep,
    cur: CursorDep,
    params: Annotated[EntitiesParams, Query()],
) -> EntitySearchPublic:
    """Repositories, organisations and actors whose name contains ``q`` (case-insensitive)."""
    return EntitySearchPublic(q=params.q, data=find_entities(lake, cur, params.q, params.limit))


@router.get(
    "/actor/{login}",
    response_model=ActorPublic,
    operation_id="getActor",
    responses={404: {"description": "Unknown actor"}},
    dependencies=[NO_QUERY_PARAMS],
)
def get_actor(lake: LakeDep, cur: CursorDep, login: LoginPath) -> ActorPublic:
    """Lifetime totals of an actor from gold dim_actors."""
    profile = actor_profile(lake, cur, login)
    if profile is None:
        raise HTTPException(status_code=404, detail=f"unknown actor {login}")
    return profile


@router.get(
    "/actor/{login}/activity",
    response_model=ActorActivityPublic,
    operation_id="getActorActivity",
    responses={404: {"description": "Unknown actor"}},
)
def get_actor_activity(
    lake: LakeDep, cur: CursorDep, login: LoginPath, params: Annotated[ActorActivityParams, Query()]
) -> ActorActivityPublic:
    """An actor's activity per day by category (events, pushes, PRs, reviews, comments, stars, ...)."""
    if actor_profile(lake, cur, login) is None:
        raise HTTPException(status_code=404, detail=f"unknown actor {login}")
    as_of, note = clamp_as_of(params.as_of, lake.newest_hour, lake.oldest_hour)
    granularity = params.granularity or default_granularity(params.window)
    return noted(actor_activity(lake, cur, login, params.window, as_of, granularity), note)
