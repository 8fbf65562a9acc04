"""The answer data model shared by `ghintel ask` and the agents: claims that cite gold rows.

A citation points at one row (table, primary key, Delta version) and carries the row's fields, so a
reader — and the verifier — can check every number of a claim against what the lake holds.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def json_safe(value: Any) -> Any:
    """JSON-safe form of a row value (timestamps as ISO text, decimals as int/float)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def citation_id(table: str, key: dict[str, Any], delta_version: int | None) -> str:
    """Stable id: the same row of the same table version always gets the same id."""
    text = json.dumps([table, json_safe(key), delta_version], sort_keys=True, default=str)
    return "c" + hashlib.sha1(text.encode()).hexdigest()[:10]


class Citation(BaseModel):
    id: str
    table: str = Field(description="Layer-qualified table, e.g. gold.dim_repos")
    key: dict[str, Any] = Field(description="The row's primary key fields")
    delta_version: int | None = Field(description="Delta version of the table the row was read at")
    values: dict[str, Any] = Field(description="The cited row's fields")

    @classmethod
    def for_row(
        cls, table: str, key: dict[str, Any], delta_version: int | None, values: dict[str, Any]
    ) -> Citation:
        key, values = json_safe(dict(key)), json_safe(dict(values))
        return cls(
            id=citation_id(table, key, delta_version),
            table=table,
            key=key,
            delta_version=delta_version,
            values=values,
        )


def cite_row(
    row: dict[str, Any], table: str, key_fields: tuple[str, ...] | list[str], delta_version: int | None
) -> Citation:
    """A citation of an API row: ``key_fields`` of the row form the key, all fields are the values."""
    missing = [k for k in key_fields if k not in row]
    if missing:
        raise KeyError(f"row of {table} lacks key field(s) {', '.join(missing)}")
    return Citation.for_row(table, {k: row[k] for k in key_fields}, delta_version, row)


class Claim(BaseModel):
    text: str
    citations: list[str] = Field(description="Ids of the citations that support the claim")


class RejectedClaim(BaseModel):
    text: str
    reason: str


class Coverage(BaseModel):
    """How complete the lake is for the period an answer is about (see /quality/coverage)."""

    model_config = ConfigDict(extra="allow")

    since: str | None = None
    until: str | None = None
    status: str | None = Field(default=None, description="complete, partial or missing")
    star_status: str | None = None
    hours_expected: int | None = None
    hours_ok: int | None = None
    hours_low: int | None = None
    hours_missing: int | None = None
    lake_first_hour: str | None = None
    lake_last_hour: str | None = None


class AskAnswer(BaseModel):
    question: str
    answer: str
    abstained: bool
    reason: str | None = None
    claims: list[Claim] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    coverage: Coverage | None = None
    model: str = Field(description="'deterministic' or the chat model that phrased the answer")
    route: str | None = Field(default=None, description="Which router branch produced the answer")
    rejected_claims: list[RejectedClaim] = Field(default_factory=list)
