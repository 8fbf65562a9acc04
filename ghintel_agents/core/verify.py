"""The verifier: every number, entity and date a claim states must equal a field of a row it cites.

Rules (docs/agents.md, "Verifier"):

- **Dates** — ``YYYY-MM-DD`` optionally followed by ``T``/space and ``HH``, ``HH:MM`` or
  ``HH:MM:SS``: some cited field (a timestamp, a date or text starting with one) must have the same
  day, and the same hour/minute when the claim states them. Date parts are not checked as numbers.
- **Entities** — ``owner/name`` slugs, ``@login``, and the word after ``org``/``organisation``/
  ``organization``/``user``/``actor``/``login``: some cited text field must equal it (case-insensitive);
  an org may also be the owner part of a cited ``owner/name``. Digits inside entities are not numbers.
- **Windows** — ``1h``/``24h``/``7d``/``30d`` and "N hours/days": a cited ``window`` field must
  equal it, or a cited ``window_start``..``window_end`` / ``since``..``until`` span must last N
  (or N-1) hours, the second form for inclusive last hours.
- **Numbers** — ``1234``, ``1,234`` and ``-3`` are the same integer as the field; they must equal a
  numeric field exactly. A decimal with *d* places (``0.45``) matches a non-integer field rounded to
  *d* places; a whole number never matches a rounded decimal (``12`` does not stand for ``12.35``)
  and ``3.0`` equals ``3``. A percentage
  matches a field equal to it, or a share field (0..1) times 100 rounded to the stated places.
  Abbreviations (``1.2k``, ``3M``, ``1.2 thousand``) are always rejected: they round silently.

A cited documentation section (table ``docs.*``, e.g. a metric definition) supports a verbatim
quote of its text, and a number that its text states. A claim with nothing checkable is kept.
Pure functions: no I/O.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ghintel_agents.core.citations import Citation, Claim, RejectedClaim

_DATE = re.compile(
    r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})"
    r"(?:(?:T|\s(?=\d{2}:))(\d{2})(?::(\d{2}))?(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]00:00)?"
)
_SLUG = re.compile(r"(?<![\w./-])([A-Za-z0-9][\w.-]*)/([\w.-]*\w)")
_AT_LOGIN = re.compile(r"(?<![\w@])@([A-Za-z0-9][\w-]*)")
_NAMED = re.compile(
    r"\b(?:org|organi[sz]ation|user|actor|login)\s+[`'\"]?([A-Za-z0-9][\w.-]*[A-Za-z0-9_]|[A-Za-z0-9])",
    re.IGNORECASE,
)
_WINDOW = re.compile(r"\b(\d+)\s?(h|d|hours?|days?)\b", re.IGNORECASE)
_NUMBER = re.compile(
    r"(?<![\w.,])(-?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
    r"([kmb](?!\w)|\s(?:thousand|million|billion)\b)?(%)?(?!\w)",
    re.IGNORECASE,
)
_API_WINDOWS = {"1h": 1, "24h": 24, "7d": 168, "30d": 720}


@dataclass(frozen=True)
class ClaimCheck:
    supported: bool
    reason: str | None = None
    citations: list[Citation] = field(default_factory=list)


def _flat_values(citation: Citation) -> list[Any]:
    out: list[Any] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)
        elif value is not None:
            out.append(value)

    walk(citation.key)
    walk(citation.values)
    return out


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else Decimal(repr(value))
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        match = _DATE.match(value.strip())
        if match:
            y, m, d, hh, mm = match.groups()
            try:
                return datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0))
            except ValueError:
                return None
    return None


def _number_matches(stated: Decimal, places: int, percent: bool, field_value: Decimal) -> bool:
    candidates = [field_value]
    if percent and abs(field_value) <= 1:
        candidates.append(field_value * 100)
    for value in candidates:
        if value == stated:
            return True
        is_integral = value == value.to_integral_value()
        if places and not is_integral and value.quantize(Decimal(1).scaleb(-places)) == stated:
            return True
        # A share stated as a whole percentage ("45%" for 0.4512) follows the same rounding rule.
        if percent and value is not field_value and not is_integral and not places:
            if value.quantize(Decimal(1)) == stated:
                return True
    return False


def _span_hours(citation: Citation) -> set[int]:
    spans = set()
    for source in (citation.key, citation.values):
        for start_key, end_key in (("window_start", "window_end"), ("since", "until")):
            start, end = _as_datetime(source.get(start_key)), _as_datetime(source.get(end_key))
            if start and end:
                hours = int((end - start) / timedelta(hours=1))
                spans |= {hours, hours + 1}
    return spans


def _window_supported(count: int, unit: str, citations: list[Citation]) -> list[Citation]:
    hours = count * (24 if unit.lower().startswith("d") else 1)
    label = f"{count}{unit[0].lower()}"
    return [
        c
        for c in citations
        if str(c.key.get("window", c.values.get("window"))) == label or hours in _span_hours(c)
    ]


def _quote_of(claim: str, citation: Citation) -> bool:
    """A verbatim quote (whitespace aside) of a cited documentation section."""
    words = " ".join(claim.split())
    return len(words) > 20 and words in " ".join(str(citation.values.get("text", "")).split())


def _quotes(text: str, token: str) -> bool:
    return re.search(r"(?<![\w.])" + re.escape(token.strip()) + r"(?![\w])", text) is not None


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = " "
    return "".join(chars)


def verify_claim(text: str, citations: list[Citation]) -> ClaimCheck:
    """Check one claim against the rows it cites; the citations that support any fact come back."""
    quoted = [c for c in citations if c.table.startswith("docs.") and _quote_of(text, c)]
    if quoted:
        return ClaimCheck(True, None, quoted[:1])
    used: dict[str, Citation] = {}
    masked: list[tuple[int, int]] = []

    def support(found: list[Citation]) -> bool:
        for c in found:
            used.setdefault(c.id, c)
        return bool(found)

    values = {c.id: _flat_values(c) for c in citations}
    for match in _DATE.finditer(text):
        masked.append(match.span())
        y, m, d, hh, mm = match.groups()
        try:
            stated = datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0))
        except ValueError:
            return ClaimCheck(False, f"date {match.group(0)!r} is not a valid date")
        found = []
        for c in citations:
            for v in values[c.id]:
                dt = _as_datetime(v)
                if dt is None or dt.date() != stated.date():
                    continue
                if hh is not None and dt.hour != stated.hour:
                    continue
                if mm is not None and dt.minute != stated.minute:
                    continue
                found.append(c)
                break
        if not support(found):
            return ClaimCheck(False, f"date {match.group(0)!r} is in no cited row")

    rest = _mask(text, masked)
    entities: list[tuple[str, bool, tuple[int, int]]] = []
    for match in _SLUG.finditer(rest):
        entities.append((match.group(0), False, match.span()))
    for match in _AT_LOGIN.finditer(rest):
        entities.append((match.group(1), True, match.span()))
    for match in _NAMED.finditer(rest):
        entities.append((match.group(1), True, match.span(1)))
    for name, may_be_owner, span in entities:
        masked.append(span)
        wanted = name.lower()
        found = []
        for c in citations:
            texts = [v.lower() for v in values[c.id] if isinstance(v, str)]
            if wanted in texts or (may_be_owner and any(t.startswith(wanted + "/") for t in texts)):
                found.append(c)
        if not support(found):
            return ClaimCheck(False, f"entity {name!r} is in no cited row")

    rest = _mask(text, masked)
    for match in _WINDOW.finditer(rest):
        count, unit = int(match.group(1)), match.group(2)
        label = f"{count}{unit[0].lower()}"
        if unit.lower() in ("h", "d") and label not in _API_WINDOWS:
            continue  # "3d" or "5h" outside the API's windows is read as a plain number below
        masked.append(match.span())
        if not support(_window_supported(count, unit, citations)):
            return ClaimCheck(False, f"window {match.group(0)!r} matches no cited window")

    rest = _mask(text, masked)
    for match in _NUMBER.finditer(rest):
        sign, whole, frac, suffix, percent = match.groups()
        if suffix:
            return ClaimCheck(False, f"abbreviated number {match.group(0)!r} (state the exact value)")
        stated = Decimal(sign + whole.replace(",", "") + (frac or ""))
        places = len(frac) - 1 if frac else 0
        found = []
        for c in citations:
            if c.table.startswith("docs.") and _quotes(str(c.values.get("text", "")), match.group(0)):
                found.append(c)
                continue
            for v in values[c.id]:
                number = _as_number(v)
                if number is not None and _number_matches(stated, places, bool(percent), number):
                    found.append(c)
                    break
        if not support(found):
            return ClaimCheck(False, f"number {match.group(0)!r} is in no cited row")
    return ClaimCheck(True, None, list(used.values()))


def verify(claims: list[Claim], citations: list[Citation]) -> tuple[list[Claim], list[RejectedClaim]]:
    """Split claims into kept and rejected; a claim is checked only against the citations it names."""
    by_id = {c.id: c for c in citations}
    kept: list[Claim] = []
    rejected: list[RejectedClaim] = []
    for claim in claims:
        unknown = [i for i in claim.citations if i not in by_id]
        if unknown:
            rejected.append(RejectedClaim(text=claim.text, reason=f"unknown citation id(s) {unknown}"))
            continue
        check = verify_claim(claim.text, [by_id[i] for i in claim.citations])
        if check.supported:
            kept.append(claim)
        else:
            rejected.append(RejectedClaim(text=claim.text, reason=check.reason or "unsupported"))
    return kept, rejected
