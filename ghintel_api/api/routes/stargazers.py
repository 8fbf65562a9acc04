from __future__ import annotations

from datetime import datetime

from fastapi import HTTPException

from ghintel_api.agent_models import StargazersPublic
from ghintel_api.api.deps import (
    CursorDep,
    LakeDep,
    RepoInPath,
    api_router,
    at_as_of,
    not_found,
    repo_name_or_404,
)
from ghintel_api.api.params import QueryOf, StargazersParams
from ghintel_api.core.windows import window_span
from ghintel_api.queries.stargazers import repo_stargazers

router = api_router("repos")


@router.get(
    "/repo/{owner}/{name}/stargazers",
    operation_id="getRepoStargazers",
    responses=not_found("repository, or no data in gold yet"),
)
def get_repo_stargazers(
    lake: LakeDep, cur: CursorDep, full_name: RepoInPath, params: QueryOf[StargazersParams]
) -> StargazersPublic:
    """Accounts that starred the repository in the window, with their account signals
    (low-activity, account-id percentile as an age proxy), and repos they co-starred."""
    repo = repo_name_or_404(lake, cur, full_name)

    def answer(as_of: datetime | None) -> StargazersPublic:
        if as_of is None:
            raise HTTPException(status_code=404, detail="no data in gold yet")
        span = window_span(params.window, as_of)
        return repo_stargazers(lake, cur, repo, span, limit=params.limit, min_shared=params.min_shared)

    return at_as_of(lake, params.as_of, answer)
