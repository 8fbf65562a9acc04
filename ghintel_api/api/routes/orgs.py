from __future__ import annotations

from ghintel_api.api.deps import CursorDep, LakeDep, api_router, at_as_of, not_found, org_or_404
from ghintel_api.api.params import OrgPath, OrgSummaryParams, QueryOf
from ghintel_api.models import OrgSummaryPublic
from ghintel_api.queries.orgs import org_summary

router = api_router("orgs", "/org")


@router.get("/{org}/summary", operation_id="getOrgSummary", responses=not_found("organisation"))
def get_org_summary(
    lake: LakeDep, cur: CursorDep, org: OrgPath, params: QueryOf[OrgSummaryParams]
) -> OrgSummaryPublic:
    """Events, repositories and actors of an organisation in the window, top repos/actors, a series."""
    login = org_or_404(lake, cur, org)
    return at_as_of(
        lake,
        params.as_of,
        lambda as_of: org_summary(lake, cur, login, params.window, as_of, params.granularity, params.top),
    )
