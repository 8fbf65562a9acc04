"""Sentences several agents state the same way (one wording, one place)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ghintel_agents.core.citations import Citation
from ghintel_agents.runtime import Draft, Gathered


def trend_word(now: int, before: int) -> str:
    """up / down when the change is over 10%, flat otherwise (a rule of wording, not a metric)."""
    if before == 0:
        return "up" if now > 0 else "flat"
    change = (now - before) / before
    return "up" if change > 0.1 else "down" if change < -0.1 else "flat"


def coverage_caveat(coverage: dict[str, Any], citation: Citation) -> Draft | None:
    """A caveat when the window's data is not complete (never a silent zero)."""
    if coverage["status"] == "complete" and coverage["star_status"] == "complete":
        return None
    return Draft(
        f"Coverage caveat: {coverage['hours_ok']} of {coverage['hours_expected']} hours are complete "
        f"(status {coverage['status']}, stars {coverage['star_status']}).",
        [citation],
    )


def describe_anomaly(row: dict[str, Any], citation: Citation) -> Draft:
    return Draft(
        f"Anomaly {row['anomaly_id']}: {row['metric']} of {row['entity']} at {row['event_hour']} was "
        f"{row['observed']} against a baseline of {row['baseline']} (score {row['score']}, "
        f"severity {row['severity']}).",
        [citation],
    )


def row_drafts(
    rows: Iterable[dict[str, Any]], citations: Iterable[Citation], sentence: Callable[[dict[str, Any]], str]
) -> list[Draft]:
    """One finding per row, each citing that row (rows without a citation are left out)."""
    return [Draft(sentence(row), [citation]) for row, citation in zip(rows, citations, strict=False)]


def anomaly_drafts(gathered: Gathered) -> list[Draft]:
    """A finding per anomaly the ``anomalies`` tool returned (none when it was not called)."""
    found = gathered.get("anomalies")
    if found is None:
        return []
    return [describe_anomaly(r, c) for r, c in zip(found.data["data"], found.citations, strict=True)]
