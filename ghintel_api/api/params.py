"""Validated query/path parameters shared by the routes (patterns reject anything a name can't be)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Query

from ghintel_api.core.windows import Window

NAME = r"^[A-Za-z0-9_.-]{1,100}$"
REPO = r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$"
LOGIN = r"^[A-Za-z0-9_.\[\]-]{1,100}$"

OwnerPath = Annotated[str, Path(pattern=NAME, description="Repository owner (user or org login)")]
NamePath = Annotated[str, Path(pattern=NAME, description="Repository name")]
OrgPath = Annotated[str, Path(pattern=NAME, description="Organisation login (case-insensitive)")]
WindowQuery = Annotated[Window, Query(description="Span of whole hours ending at as_of")]
AsOfQuery = Annotated[
    datetime | None,
    Query(description="Newest hour of the window (ISO 8601, UTC if no offset); default: newest hour in gold"),
]
RepoQuery = Annotated[str | None, Query(pattern=REPO, description="owner/name")]
ActorQuery = Annotated[str | None, Query(pattern=LOGIN, description="Actor login")]
OrgQuery = Annotated[str | None, Query(pattern=NAME, description="Organisation login")]
SinceQuery = Annotated[
    datetime | None, Query(description="Inclusive lower bound (ISO 8601, UTC if no offset)")
]
UntilQuery = Annotated[
    datetime | None, Query(description="Exclusive upper bound (ISO 8601, UTC if no offset)")
]

LimitQuery = Annotated[int, Query(ge=1, le=500, description="Number of rows, 1..500")]
