from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from ghintel_api.api.deps import DATA_DEPENDENCIES, CursorDep, LakeDep
from ghintel_api.api.params import AsOfQuery, OrgPath, WindowQuery
from ghintel_api.core.windows import Granularity, Window, resolve_as_of
from ghintel_api.models import OrgSummaryPublic
from ghintel_api.queries.orgs import org_summary, resolve_org

router = APIRouter(prefix="/org", tags=["orgs"], dependencies=DATA_DEPENDENCIES)


@router.get(
    "/{org}/summary",
    response_model=OrgSummaryPublic,
    operation_id="getOrgSummary",
    responses={404: {"description": "Unknown organisation"}},
)
def get_org_summary(
    lake: LakeDep,
    cur: CursorDep,
    org: OrgPath,
    window: WindowQuery = Window.h24,
    as_of: AsOfQuery = None,
    granularity: Annotated[
        Granularity | None, Query(description="Series buckets; default hour up to 24h, else day")
    ] = None,
    top: Annotated[int, Query(ge=1, le=100, description="Length of top_repos and top_actors")] = 10,
) -> OrgSummaryPublic:
    """Events, repositories and actors of an organisation in the window, top repos/actors, a series."""
    login = resolve_org(lake, cur, org)
    if login is None:
        raise HTTPException(status_code=404, detail=f"unknown organisation {org!r}")
    return org_summary(lake, cur, login, window, resolve_as_of(as_of, lake.newest_hour), granularity, top)
