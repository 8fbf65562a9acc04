"""Finding entities by name, and an actor's profile (repos and orgs have theirs in repos.py/orgs.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from ghintel_api.api.deps import DATA_DEPENDENCIES, CursorDep, LakeDep
from ghintel_api.api.params import LOGIN
from ghintel_api.models import ActorPublic, EntitySearchPublic
from ghintel_api.queries.entities import actor_profile, find_entities

router = APIRouter(tags=["entities"], dependencies=DATA_DEPENDENCIES)

SearchText = Annotated[
    str, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\[\]/-]+$", description="Part of a name")
]
LoginPath = Annotated[str, Path(pattern=LOGIN, description="Actor login (exact)")]


@router.get("/entities", response_model=EntitySearchPublic, operation_id="findEntities")
def get_entities(
    lake: LakeDep,
    cur: CursorDep,
    q: SearchText,
    limit: Annotated[int, Query(ge=1, le=50, description="Matches per kind, 1..50")] = 10,
) -> EntitySearchPublic:
    """Repositories, organisations and actors whose name contains ``q`` (case-insensitive)."""
    return EntitySearchPublic(q=q, data=find_entities(lake, cur, q, limit))


@router.get(
    "/actor/{login}",
    response_model=ActorPublic,
    operation_id="getActor",
    responses={404: {"description": "Unknown actor"}},
)
def get_actor(lake: LakeDep, cur: CursorDep, login: LoginPath) -> ActorPublic:
    """Lifetime totals of an actor from gold dim_actors."""
    profile = actor_profile(lake, cur, login)
    if profile is None:
        raise HTTPException(status_code=404, detail=f"unknown actor {login}")
    return profile
