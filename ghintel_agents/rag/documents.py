"""Documents rendered from gold rows with deterministic templates, each keeping its source rows.

One document per entity or fact: repo profile (lifetime totals plus its trending windows), org
summary (lifetime plus per-day activity), actor summary, each anomaly with its baseline and
evidence, each trending entry with its explanation, each coverage note (hour, source), and each
metric definition of docs/metrics.md. A document's ``sources`` lists the rows it was rendered from
(table, key, Delta version, values), so search results can be cited like API rows; its
``source_hash`` covers only the rows' keys and values (not versions), so a gold rebuild that leaves
an entity's rows unchanged leaves its document — and its embedding — unchanged.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from ghintel_agents.core.citations import json_safe

TEMPLATE_VERSION = "1"
METRICS_DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
_WINDOW_HOURS = {"1h": 1, "24h": 24, "7d": 168, "30d": 720}
SOURCE_TABLES = (
    "dim_repos",
    "dim_orgs",
    "dim_actors",
    "fct_org_activity_daily",
    "repo_trending",
    "anomalies",
    "data_coverage",
)


@dataclass
class Source:
    table: str
    key: dict[str, Any]
    delta_version: int | None
    values: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "key": json_safe(self.key),
            "delta_version": self.delta_version,
            "values": json_safe(self.values),
        }


@dataclass
class DocumentFields:
    """What a document is, as rendered and as stored in gold/rag_documents."""

    doc_id: str
    kind: str
    entity: str | None
    title: str
    text: str
    period_start: datetime | None
    period_end: datetime | None


@dataclass
class Document(DocumentFields):
    sources: list[Source] = field(default_factory=list)

    @property
    def source_hash(self) -> str:
        rows = [[s.table, json_safe(s.key), json_safe(s.values)] for s in self.sources]
        payload = json.dumps([TEMPLATE_VERSION, self.doc_id, rows], sort_keys=True, default=str)
        return hashlib.sha1(payload.encode()).hexdigest()


def num(value: Any) -> str:
    """Exact integers; other numbers to 2 decimals (the verifier accepts that rounding of a decimal)."""
    if value is None:
        return "n/a"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(int(value))


def hour(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M") if value else "n/a"


def day(value: date | datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "n/a"


class GoldReader:
    """Gold tables of one lake read through DuckDB (Arrow datasets), with their Delta versions."""

    def __init__(self, tables: dict[str, Any], versions: dict[str, int | None]):
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self.versions = versions
        for name, dataset in tables.items():
            self.con.register(name, dataset)
        self.present = set(tables)

    def rows(self, table: str, order: str) -> list[dict[str, Any]]:
        if table not in self.present:
            return []
        cur = self.con.execute(f"SELECT * FROM {table} ORDER BY {order}")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def source(self, table: str, row: dict[str, Any], key_fields: Iterable[str]) -> Source:
        return Source(f"gold.{table}", {k: row[k] for k in key_fields}, self.versions.get(table), row)


@dataclass(frozen=True)
class _Profile:
    """An entity document: a headline from its row in ``table``, then a line per row of ``details``
    (the rows whose ``name`` column equals the entity's), each row cited."""

    kind: str
    label: str
    table: str
    key: str
    name: str
    headline: Callable[[dict], str]
    details: str
    details_order: str
    details_key: tuple[str, ...]
    detail_line: Callable[[dict], str]


def _profile_docs(gold: GoldReader, p: _Profile) -> Iterator[Document]:
    by_name: dict[str, list[dict]] = defaultdict(list)
    for row in gold.rows(p.details, p.details_order):
        by_name[row[p.name]].append(row)
    for row in gold.rows(p.table, p.key):
        name = row[p.name]
        lines = [p.headline(row)]
        sources = [gold.source(p.table, row, (p.key,))]
        for d in by_name.get(name, []):
            lines.append(p.detail_line(d))
            sources.append(gold.source(p.details, d, p.details_key))
        yield Document(
            f"{p.kind}:{name}", p.kind, name, f"{p.label} {name}", " ".join(lines),
            row["first_seen"], row["last_seen"], sources,
        )  # fmt: skip


def _repo_headline(row: dict) -> str:
    return (
        f"Repository {row['repo_name']} (owner {row['owner']}"
        + (f", org {row['org_login']}" if row.get("org_login") else "")
        + f"): {num(row['events'])} events, {num(row['stars'])} stars, {num(row['forks'])} forks, "
        f"{num(row['pushes'])} pushes, {num(row['prs_opened'])} pull requests opened, "
        f"{num(row['issues_opened'])} issues opened by {num(row['actors'])} actors over "
        f"{num(row['active_hours'])} active hours, first seen {hour(row['first_seen'])}, "
        f"last seen {hour(row['last_seen'])}."
    )


def _trending_line(t: dict) -> str:
    return (
        f"Trending {t['window']} as of {hour(t['as_of'])}: rank {num(t['rank'])}, "
        f"score {num(t['score'])}, {num(t['stargazers'])} stargazers."
    )


def _org_headline(row: dict) -> str:
    return (
        f"Organisation {row['org_login']}: {num(row['events'])} events, {num(row['repos'])} repositories, "
        f"{num(row['actors'])} actors, {num(row['active_days'])} active days, first seen "
        f"{hour(row['first_seen'])}, last seen {hour(row['last_seen'])}."
    )


def _org_day_line(d: dict) -> str:
    return (
        f"On {day(d['event_date'])}: {num(d['events'])} events in {num(d['repos'])} repositories "
        f"by {num(d['actors'])} actors, {num(d['stars'])} stars, {num(d['forks'])} forks, "
        f"{num(d['pushes'])} pushes, {num(d['prs_opened'])} pull requests opened, "
        f"{num(d['prs_merged'])} merged, {num(d['issues_opened'])} issues opened."
    )


_REPO = _Profile(
    "repo", "Repository", "dim_repos", "repo_id", "repo_name", _repo_headline,
    "repo_trending", '"window", rank', ("window", "as_of", "repo_name"), _trending_line,
)  # fmt: skip
_ORG = _Profile(
    "org", "Organisation", "dim_orgs", "org_id", "org_login", _org_headline,
    "fct_org_activity_daily", "event_date", ("org_id", "event_date"), _org_day_line,
)  # fmt: skip


def _actor_docs(gold: GoldReader) -> Iterator[Document]:
    for row in gold.rows("dim_actors", "actor_id"):
        login = row["login"]
        kind = "bot account" if row["is_bot"] else "account"
        low = " It looks low-activity (only stars, few actions)." if row.get("is_low_activity") else ""
        text = (
            f"Actor {login} ({kind}): {num(row['events'])} events in {num(row['repos'])} repositories over "
            f"{num(row['active_days'])} active days, first seen {hour(row['first_seen'])}, last seen "
            f"{hour(row['last_seen'])}.{low}"
        )
        yield Document(
            f"actor:{login}", "actor", login, f"Actor {login}", text, row["first_seen"], row["last_seen"],
            [gold.source("dim_actors", row, ("actor_id",))],
        )  # fmt: skip


def _anomaly_docs(gold: GoldReader) -> Iterator[Document]:
    for row in gold.rows("anomalies", "event_hour, entity, metric"):
        key = f"{row['entity_type']}:{row['entity']}:{row['metric']}:{row['event_hour']:%Y-%m-%dT%H}"
        text = (
            f"Anomaly ({row['severity']} severity) for {row['entity_type']} {row['entity']}: "
            f"{num(row['observed'])} {row['metric']} at {hour(row['event_hour'])} against a baseline of "
            f"{num(row['baseline'])} (spread {num(row['spread'])}, score {num(row['score'])}, method "
            f"{row['method']}). Evidence: {row['explanation']}"
        )
        yield Document(
            f"anomaly:{key}", "anomaly", row["entity"], f"Anomaly {key}", text,
            row["event_hour"], row["event_hour"],
            [gold.source("anomalies", row, ("entity_type", "entity", "metric", "event_hour"))],
        )  # fmt: skip


def _trending_docs(gold: GoldReader) -> Iterator[Document]:
    for row in gold.rows("repo_trending", '"window", rank'):
        start = row["as_of"] - timedelta(hours=_WINDOW_HOURS.get(row["window"], 1) - 1)
        text = (
            f"Trending repository {row['repo_name']} ranked {num(row['rank'])} in the {row['window']} "
            f"window as of {hour(row['as_of'])} with score {num(row['score'])}: {row['explanation']}. "
            f"Star coverage {row['star_coverage']}."
        )
        yield Document(
            f"trending:{row['window']}:{row['as_of']:%Y-%m-%dT%H}:{row['repo_name']}", "trending",
            row["repo_name"], f"Trending {row['window']} #{row['rank']} {row['repo_name']}", text,
            start, row["as_of"], [gold.source("repo_trending", row, ("window", "as_of", "repo_name"))],
        )  # fmt: skip


def _coverage_docs(gold: GoldReader) -> Iterator[Document]:
    for row in gold.rows("data_coverage", "event_hour, source"):
        note = f" Note: {row['note']}." if row.get("note") else ""
        text = (
            f"Data coverage of hour {hour(row['event_hour'])} from source {row['source']}: "
            f"{num(row['events'])} events, coverage {row['coverage']}, star coverage {row['star_coverage']}, "
            f"pull request coverage {row['pr_coverage']}, {num(row['watch_events'])} star events.{note}"
        )
        yield Document(
            f"coverage:{row['event_hour']:%Y-%m-%dT%H}:{row['source']}", "coverage", None,
            f"Coverage {hour(row['event_hour'])} {row['source']}", text, row["event_hour"], row["event_hour"],
            [gold.source("data_coverage", row, ("event_hour", "source"))],
        )  # fmt: skip


def metric_sections(markdown: str) -> Iterator[tuple[str, str]]:
    """(title, body) of every ``##``/``###`` section of docs/metrics.md."""
    parts = re.split(r"^(#{2,3}) (.+)$", markdown, flags=re.MULTILINE)
    for i in range(1, len(parts) - 2, 3):
        body = " ".join(parts[i + 2].split())
        if body:
            yield parts[i + 1].strip(), body


def _metric_docs(path: Path) -> Iterator[Document]:
    if not path.exists():
        return
    for title, body in metric_sections(path.read_text()):
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        # docs.* sources carry their text: the verifier lets a claim quote numbers of a cited doc
        source = Source("docs.metrics", {"section": title}, None, {"section": title, "text": body})
        title = f"Metric definition: {title}"
        yield Document(f"metric:{slug}", "metric", None, title, body, None, None, [source])


def render_documents(gold: GoldReader, metrics_doc: Path = METRICS_DOC) -> list[Document]:
    docs = [
        *_profile_docs(gold, _REPO),
        *_profile_docs(gold, _ORG),
        *_actor_docs(gold),
        *_anomaly_docs(gold),
        *_trending_docs(gold),
        *_coverage_docs(gold),
        *_metric_docs(metrics_doc),
    ]
    seen: set[str] = set()
    unique = []
    for doc in docs:  # a login renamed between rows can repeat an id; the first (oldest) one wins
        if doc.doc_id not in seen:
            seen.add(doc.doc_id)
            unique.append(doc)
    return unique
