from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ghintel_api.api.deps import DATA_DEPENDENCIES, CursorDep, LakeDep, noted, org_or_404
from ghintel_api.api.params import OrgPath, OrgSummaryParams
from ghintel_api.core.routing import OneHopRoute
from ghintel_api.core.windows import clamp_as_of
from ghintel_api.models import OrgSummaryPublic
from ghintel_api.queries.orgs import org_summary

router = APIRouter(prefix="/org", tags=["orgs"], dependencies=DATA_DEPENDENCIES, route_class=OneHopRoute)


@router.get(
    "/{org}/summary",
    response_model=OrgSummaryPublic,
    operation_id="getOrgSummary",
    responses={404: {"description": "Unknown organisation"}},
)
def get_org_summary(
    lake: LakeDep, cur: CursorDep, org: OrgPath, params: Annotated[OrgSummaryParams, Query()]
) -> OrgSummaryPublic:
    """Events, repositories and actors of an organisation in the window, top repos/actors, a series."""
    login = org_or_404(lake, cur, org)
    as_of, note = clamp_as_of(params.as_of, lake.newest_hour, lake.oldest_hour)
    answer = org_summary(lake, cur, login, params.window, as_of, params.granularity, params.top)
    return noted(answer, note)
