from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from ghintel_api.api.deps import DATA_DEPENDENCIES, CursorDep, LakeDep
from ghintel_api.api.params import LimitQuery, OrgQuery, RepoQuery, SinceQuery
from ghintel_api.core.windows import parse_time
from ghintel_api.models import AnomaliesPublic
from ghintel_api.queries.anomalies import list_anomalies

router = APIRouter(prefix="/anomalies", tags=["anomalies"], dependencies=DATA_DEPENDENCIES)


@router.get("", response_model=AnomaliesPublic, operation_id="listAnomalies")
def get_anomalies(
    lake: LakeDep,
    cur: CursorDep,
    since: SinceQuery = None,
    severity: Annotated[
        Literal["low", "medium", "high"] | None, Query(description="Only this severity")
    ] = None,
    repo: RepoQuery = None,
    org: OrgQuery = None,
    limit: LimitQuery = 50,
) -> AnomaliesPublic:
    """Unusual hours of repositories and organisations found by gold, newest first."""
    return list_anomalies(
        lake,
        cur,
        since=parse_time(since, "since"),
        severity=severity,
        repo=repo,
        org=org,
        limit=limit,
        newest_hour=lake.newest_hour,
    )
