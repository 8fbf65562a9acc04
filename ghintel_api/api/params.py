"""Validated query/path parameters shared by the routes (patterns reject anything a name can't be)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from ghintel_api.core.windows import Window

NAME = r"^[A-Za-z0-9_.-]{1,100}$"
REPO = r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$"
# RFC 3339 date-time; the offset may be left out (then UTC)
ISO_TIME = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:\d{2})?$"
LOGIN = r"^[A-Za-z0-9_.\[\]-]{1,100}$"

OwnerPath = Annotated[str, Path(pattern=NAME, description="Repository owner (user or org login)")]
NamePath = Annotated[str, Path(pattern=NAME, description="Repository name")]
OrgPath = Annotated[str, Path(pattern=NAME, description="Organisation login (case-insensitive)")]
WindowQuery = Annotated[Window, Query(description="Span of whole hours ending at as_of")]
AsOfQuery = Annotated[
    str | None,
    Query(
        pattern=ISO_TIME,
        description="Newest hour of the window (ISO 8601, UTC if no offset); default: newest hour in gold",
    ),
]
RepoQuery = Annotated[str | None, Query(pattern=REPO, description="owner/name")]
ActorQuery = Annotated[str | None, Query(pattern=LOGIN, description="Actor login")]
OrgQuery = Annotated[str | None, Query(pattern=NAME, description="Organisation login")]
SinceQuery = Annotated[
    str | None, Query(pattern=ISO_TIME, description="Inclusive lower bound (ISO 8601, UTC if no offset)")
]
UntilQuery = Annotated[
    str | None, Query(pattern=ISO_TIME, description="Exclusive upper bound (ISO 8601, UTC if no offset)")
]

LimitQuery = Annotated[int, Query(ge=1, le=500, description="Number of rows, 1..500")]
