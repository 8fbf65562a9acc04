from __future__ import annotations

from ghintel_api.api.deps import CursorDep, LakeDep, api_router, not_found, org_or_404, repo_name_or_404
from ghintel_api.api.params import AnomaliesParams, QueryOf
from ghintel_api.core.windows import parse_time
from ghintel_api.models import AnomaliesPublic
from ghintel_api.queries.anomalies import list_anomalies

router = api_router("anomalies", "/anomalies")


@router.get("", operation_id="listAnomalies", responses=not_found("repository or organisation"))
def get_anomalies(lake: LakeDep, cur: CursorDep, params: QueryOf[AnomaliesParams]) -> AnomaliesPublic:
    """Unusual hours of repositories and organisations found by gold, newest first."""
    repo = repo_name_or_404(lake, cur, params.repo) if params.repo else None
    org = org_or_404(lake, cur, params.org) if params.org else None
    return list_anomalies(
        lake,
        cur,
        since=parse_time(params.since, "since"),
        severity=params.severity,
        repo=repo,
        org=org,
        limit=params.limit,
        newest_hour=lake.newest_hour,
        oldest_hour=lake.oldest_hour,
    )
