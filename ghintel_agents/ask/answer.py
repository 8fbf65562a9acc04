"""`ghintel ask` / `POST /ask`: route, compose, verify, abstain — optionally phrased by an LLM.

Order: parse the question against the lake's newest hour; a period the lake does not cover
abstains (with its coverage) before any metric is read; the router's claims are verified against
the rows they cite; stars over a period with incomplete star coverage abstain. With a chat model
configured, the model may rephrase the verified claims from the cited rows; every sentence it
writes is verified like any claim, and one unsupported sentence sends back the deterministic answer
(the model's sentences are then listed as rejected).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import httpx

from ghintel_agents.ask.router import Routed, route, star_coverage_problem
from ghintel_agents.core.citations import AskAnswer, Citation, Claim, Coverage, RejectedClaim
from ghintel_agents.core.verify import verify
from ghintel_agents.rag.query import Parsed, parse_question
from ghintel_agents.tools import ApiTools, ToolResult

DETERMINISTIC = "deterministic"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z#@\d])")
PROMPT = (
    "You answer questions about GitHub activity using ONLY the verified facts and rows below. "
    "Restate the facts in plain English, in at most 3 sentences. Copy every number, date, and "
    "owner/name exactly as written; never round, abbreviate or add numbers."
)


def _coverage_model(raw: dict[str, Any] | None, since: Any = None, until: Any = None) -> Coverage | None:
    if raw is None:
        return None
    fields = {
        k: raw.get(k)
        for k in ("status", "star_status", "hours_expected", "hours_ok", "hours_low", "hours_missing")
    }
    return Coverage(
        since=str(since) if since else None,
        until=str(until) if until else None,
        lake_first_hour=str(raw["first_hour"]) if raw.get("first_hour") else None,
        lake_last_hour=str(raw["last_hour"]) if raw.get("last_hour") else None,
        **fields,
    )


def _newest_hour(api: ApiTools) -> datetime | None:
    value = api.client.get("/health").json().get("newest_hour")
    return datetime.fromisoformat(value) if value else None


def _period_coverage(api: ApiTools, parsed: Parsed) -> tuple[Coverage | None, ToolResult]:
    """Coverage of the question's period (None without one) and the per-hour rows behind it."""
    if parsed.period is None:
        return None, api.coverage()
    until = parsed.period.last + timedelta(hours=1)
    since = parsed.period.first
    result = api.coverage(since=since.strftime("%Y-%m-%dT%H:%M"), until=until.strftime("%Y-%m-%dT%H:%M"))
    return _coverage_model(result.data["coverage"], since.isoformat(), until.isoformat()), result


def _caveat(coverage: Coverage | None, result: ToolResult) -> tuple[str, list[Citation]] | None:
    """A period asked about that the lake holds only in part is said so (never a silent zero)."""
    if coverage is None or coverage.status != "partial" or result.args.get("since") is None:
        return None
    return (
        f"Coverage caveat: {coverage.hours_ok} of {coverage.hours_expected} hours of the period are "
        f"complete in the lake (status {coverage.status}).",
        result.citations,
    )


def _reply(
    question: str,
    coverage: Coverage | None,
    route_name: str,
    citations,
    answer: str,
    abstained: bool = False,
    model: str = DETERMINISTIC,
    **outcome: Any,
) -> AskAnswer:
    """Every answer, abstained or not: the question, its period's coverage, the branch, the rows cited."""
    return AskAnswer(
        question=question,
        coverage=coverage,
        route=route_name,
        citations=list(citations),
        answer=answer,
        abstained=abstained,
        model=model,
        **outcome,
    )


def _abstain(
    question: str, reason: str, coverage: Coverage | None, route_name: str, citations=()
) -> AskAnswer:
    answer = f"I can't answer that from the lake: {reason}."
    return _reply(question, coverage, route_name, citations, answer, abstained=True, reason=reason)


def _phrase(model, question: str, claims: list[Claim], citations: list[Citation]) -> str:
    facts = "\n".join(f"- {c.text}" for c in claims)
    rows = json.dumps([{"table": c.table, "key": c.key, "values": c.values} for c in citations], default=str)
    reply = model.invoke(
        [
            ("system", PROMPT),
            ("human", f"Question: {question}\nVerified facts:\n{facts}\nRows: {rows[:6000]}"),
        ]
    )
    return str(reply.content).strip()


def answer_question(question: str, api: ApiTools, model=None) -> AskAnswer:
    try:
        return _answer(question, api, model)
    except httpx.HTTPStatusError as exc:  # e.g. a date before 1970 (422), the index not built yet (503)
        try:
            message = exc.response.json().get("message", exc.response.text)
        except ValueError:
            message = exc.response.text
        reason = f"the API answered {exc.response.status_code}: {message}"
        return _abstain(question, reason, None, "api_error")


def _answer(question: str, api: ApiTools, model) -> AskAnswer:
    parsed = parse_question(question, _newest_hour(api))
    coverage, period_result = _period_coverage(api, parsed)
    if coverage is not None and coverage.status == "missing":
        reason = f"the lake holds no data for {parsed.period.label}"
        return _abstain(question, reason, coverage, "coverage", period_result.citations)
    routed: Routed = route(api, parsed)
    coverage = coverage or _coverage_model(routed.coverage)
    if routed.abstain:
        return _abstain(question, routed.abstain, coverage, routed.route)
    if problem := star_coverage_problem(parsed, period_result.data["hours"]):
        return _abstain(question, problem, coverage, routed.route, period_result.citations)
    raw = routed.claims + (
        [c] if (c := _caveat(coverage, period_result)) and routed.route != "coverage" else []
    )
    citations = {c.id: c for _, cites in raw for c in cites}
    drafts = [Claim(text=text, citations=[c.id for c in cites]) for text, cites in raw]
    kept, rejected = verify(drafts, list(citations.values()))
    if not kept:
        return _abstain(question, "no statement could be verified against the rows", coverage, routed.route)
    used = [citations[i] for i in dict.fromkeys(i for c in kept for i in c.citations)]
    answer, claims, model_name = " ".join(c.text for c in kept), kept, DETERMINISTIC
    if model is not None:
        text = _phrase(model, question, kept, used)
        sentences = [
            Claim(text=s, citations=[c.id for c in used]) for s in _SENTENCE.split(text) if s.strip()
        ]
        llm_kept, llm_rejected = verify(sentences, used)
        if sentences and not llm_rejected:
            answer, claims = text, llm_kept
            model_name = str(getattr(model, "model_name", None) or getattr(model, "model", None) or "llm")
        else:
            rejected += llm_rejected or [RejectedClaim(text=text, reason="empty model answer")]
    return _reply(
        question,
        coverage,
        routed.route,
        used,
        answer,
        claims=claims,
        model=model_name,
        rejected_claims=rejected,
    )
