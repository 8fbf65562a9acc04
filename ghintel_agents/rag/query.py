"""What a question names, found by rules: entities, metrics, a period, a ranking intent.

Shared by retrieval (its entity/time pre-filter) and the deterministic `ask` router. Relative
periods ("last 24 hours", "this week") are relative to the lake's newest hour, like the API's
windows, never to the wall clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

_SLUG = re.compile(r"(?<![\w./-])([A-Za-z0-9][\w.-]*/[\w.-]*\w)")
_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):?(\d{2})?)?\b")
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september",
         "october", "november", "december"]
    )
}  # fmt: skip
_MONTH = re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(\d{4})\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:in|during)\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_LAST = re.compile(r"\b(?:last|past|previous)\s+(\d+)?\s*(hour|day|week|month)s?\b", re.IGNORECASE)
_THIS = re.compile(r"\b(today|this\s+(?:hour|day|week|month))\b", re.IGNORECASE)
_NAMED = re.compile(
    r"\b(org|organi[sz]ation|user|actor|login|account|developer)\s+@?([A-Za-z0-9][\w.-]*[A-Za-z0-9_]|[A-Za-z0-9])",
    re.IGNORECASE,
)
_ORG_AFTER = re.compile(r"\b([A-Za-z0-9][\w.-]*[A-Za-z0-9_])\s+(?:org|organi[sz]ation)\b", re.IGNORECASE)
_NOT_NAMES = frozenset("which what the an a this that each any every top most an of for".split())
_AT = re.compile(r"(?<![\w@])@([A-Za-z0-9][\w-]*)")
_RANKING = re.compile(r"\b(which|top|most|best|highest|biggest|largest|rank(?:ed|ing)?|leading)\b", re.I)
# metric words -> the API's field names
METRIC_WORDS: dict[str, tuple[str, ...]] = {
    "stars": ("star", "stars", "starred", "stargazers", "watch", "watchers"),
    "forks": ("fork", "forks", "forked"),
    "pushes": ("push", "pushes", "pushed"),
    "commits": ("commit", "commits"),
    "prs_opened": ("pr", "prs", "pull request", "pull requests"),
    "prs_merged": ("merged", "merges"),
    "issues_opened": ("issue", "issues"),
    "actors": ("contributor", "contributors", "actors", "people", "developers", "users"),
    "events": ("event", "events", "activity", "active"),
}
_TOPICS: dict[str, tuple[str, ...]] = {
    "trending": ("trending", "trend", "popular", "hot"),
    "anomaly": ("anomaly", "anomalies", "anomalous", "spike", "spikes", "burst", "unusual", "suspicious"),
    "coverage": ("coverage", "complete", "missing data", "gap", "gaps", "data quality", "covered"),
    "definition": ("define", "definition", "defined", "meaning", "mean", "means", "how is", "how are",
                   "computed", "calculated", "what counts"),
}  # fmt: skip


@dataclass(frozen=True)
class Period:
    """Hours [first, last] inclusive (UTC)."""

    first: datetime
    last: datetime
    label: str

    @property
    def hours(self) -> int:
        return int((self.last - self.first) / timedelta(hours=1)) + 1


@dataclass
class Parsed:
    text: str
    repos: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    period: Period | None = None
    relative_hours: int | None = None
    ranking: bool = False

    @property
    def entities(self) -> list[str]:
        return [*self.repos, *self.orgs, *self.logins]


def _words(text: str, words: tuple[str, ...]) -> bool:
    return any(re.search(r"\b" + re.escape(w) + r"\b", text) for w in words)


def _month_period(year: int, month: int, label: str) -> Period:
    first = datetime(year, month, 1, tzinfo=UTC)
    nxt = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return Period(first, nxt - timedelta(hours=1), label)


def parse_question(text: str, newest_hour: datetime | None = None) -> Parsed:
    out = Parsed(text=text)
    low = text.lower()
    out.repos = list(dict.fromkeys(m.group(1) for m in _SLUG.finditer(text) if "/" in m.group(1)))
    for kind, name in ((m.group(1).lower(), m.group(2)) for m in _NAMED.finditer(text)):
        (out.orgs if kind.startswith("org") else out.logins).append(name)
    out.orgs += [m.group(1) for m in _ORG_AFTER.finditer(text) if m.group(1).lower() not in _NOT_NAMES]
    out.orgs = [o for o in dict.fromkeys(out.orgs) if o.lower() not in _NOT_NAMES]
    out.logins = [x for x in out.logins if x.lower() not in _NOT_NAMES]
    out.logins += [m.group(1) for m in _AT.finditer(text)]
    out.metrics = [metric for metric, words in METRIC_WORDS.items() if _words(low, words)]
    out.topics = [topic for topic, words in _TOPICS.items() if _words(low, words)]
    out.ranking = bool(_RANKING.search(text))
    if m := _DAY.search(text):
        y, mo, d, hh, _ = m.groups()
        try:
            start = datetime(int(y), int(mo), int(d), int(hh or 0), tzinfo=UTC)
        except ValueError:
            start = None
        if start is not None:
            last = start if hh is not None else start + timedelta(hours=23)
            out.period = Period(start, last, m.group(0))
    elif m := _MONTH.search(text):
        out.period = _month_period(int(m.group(2)), _MONTHS[m.group(1).lower()], m.group(0))
    elif m := _YEAR.search(text):
        year = int(m.group(1))
        out.period = Period(
            datetime(year, 1, 1, tzinfo=UTC), datetime(year, 12, 31, 23, tzinfo=UTC), m.group(0)
        )
    elif m := _LAST.search(text):
        unit = m.group(2).lower()
        count = int(m.group(1) or 1)
        out.relative_hours = count * {"hour": 1, "day": 24, "week": 168, "month": 720}[unit]
    elif m := _THIS.search(text):
        word = m.group(1).lower().split()[-1]
        out.relative_hours = {"today": 24, "hour": 1, "day": 24, "week": 168, "month": 720}[word]
    if out.relative_hours and newest_hour is not None:
        first = newest_hour - timedelta(hours=out.relative_hours - 1)
        out.period = Period(
            first, newest_hour, f"the {out.relative_hours} hours up to {newest_hour:%Y-%m-%dT%H:%M}"
        )
    return out
