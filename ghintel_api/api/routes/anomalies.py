from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from ghintel_api.api.deps import DATA_DEPENDENCIES, CursorDep, LakeDep
from ghintel_api.api.params import AnomaliesParams
from ghintel_api.core.windows import parse_time
from ghintel_api.models import AnomaliesPublic
from ghintel_api.queries.anomalies import list_anomalies
from ghintel_api.queries.orgs import resolve_org
from ghintel_api.queries.repos import resolve_repo

router = APIRouter(prefix="/anomalies", tags=["anomalies"], dependencies=DATA_DEPENDENCIES)


@router.get(
    "",
    response_model=AnomaliesPublic,
    operation_id="listAnomalies",
    responses={404: {"description": "Unknown repository or organisation"}},
)
def get_anomalies(
    lake: LakeDep, cur: CursorDep, params: Annotated[AnomaliesParams, Query()]
) -> AnomaliesPublic:
    """Unusual hours of repositories and organisations found by gold, newest first."""
    repo = org = None
    if params.repo is not None:
        found = resolve_repo(lake, cur, params.repo)
        if found is None:
            raise HTTPException(status_code=404, detail=f"unknown repository {params.repo}")
        repo = found["repo_name"]
    if params.org is not None:
        org = resolve_org(lake, cur, params.org)
        if org is None:
            raise HTTPException(status_code=404, detail=f"unknown organisation {params.org!r}")
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
