"""Send GH Archive lines to Kafka as they are: one line, one record, raw bytes.

Every non-empty line is produced, parseable or not: bad input has to reach the pipeline to be
quarantined there (silver), never be dropped here. The key is the repo id (ASCII decimal) so that
one repo's events stay in one partition; a line without one (unparseable, no ``repo``) gets key
None. Headers: ``source=gharchive``, ``file`` (the file name) and ``hour`` (ISO hour from the file
name, when the name is GH Archive's).
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field

import httpx
import orjson

from ghintel_pipeline.lib.contracts import QuarantineRecord, validate_event
from ghintel_pipeline.lib.gharchive.hours import hour_iso
from ghintel_pipeline.lib.gharchive.reader import HourSource, ReadStats, SourceError, http_client, iter_lines
from ghintel_pipeline.lib.kafka.producer import DeliveryReport, RawEventProducer

PROGRESS_EVERY = 1024  # lines between progress callbacks and broker-health checks
# Every CONTRACT_SAMPLE_EVERY-th line is checked against the silver contract, so the summary can warn
# when the lake will quarantine much of a file (costs ~1/8 of a validation per line).
CONTRACT_SAMPLE_EVERY = 8
CONTRACT_WARN_SHARE = 0.10
_REPO_ID = re.compile(rb'"repo":\{"id":(\d+)[,}]')


def repo_key(line: bytes) -> bytes | None:
    """Repo id of one event line as ASCII decimal bytes, or None.

    Fast path (GH Archive and the Events API write ``id, type, actor, repo, payload, ...`` in
    this order): the first ``"repo":{"id":<digits>`` before ``"payload":`` in a line ending with
    ``}`` is the top-level repo (a nested repo, e.g. a pull request's head repo, lives inside the
    payload). It costs ~2 us against ~10 us for a full parse, a tenth of the producer's budget per
    event. Everything else goes through :func:`parse_repo_key`.
    """
    match = _REPO_ID.search(line)
    if match is not None and line.endswith(b"}"):
        payload_at = line.find(b'"payload":')
        if payload_at < 0 or match.start() < payload_at:
            return match.group(1)
    return parse_repo_key(line)


def parse_repo_key(line: bytes) -> bytes | None:
    """Repo id by a real JSON parse of ``repo.id``. None for a line that does not parse or has
    no integer repo id, e.g. the pre-2015 Timeline format (its ``repository`` has no id)."""
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(event, dict):
        return None
    repo = event.get("repo")
    if not isinstance(repo, dict):
        return None
    repo_id = repo.get("id")
    if isinstance(repo_id, int) and not isinstance(repo_id, bool) and repo_id >= 0:
        return str(repo_id).encode()
    if isinstance(repo_id, str) and repo_id.isascii() and repo_id.isdigit():
        return repo_id.encode()
    return None


def headers_for(source: HourSource) -> list[tuple[str, bytes]]:
    headers = [("source", b"gharchive"), ("file", source.name.encode())]
    if source.hour is not None:
        headers.append(("hour", hour_iso(source.hour).encode()))
    return headers


@dataclass
class FileResult:
    name: str
    location: str
    hour: str | None
    status: str = "pending"  # ok | error | skipped
    error: str | None = None
    error_kind: str | None = None
    read: int = 0  # lines read, empty ones included
    contract_sampled: int = 0  # lines checked against the silver contract (every 8th)
    contract_failed: int = 0  # of those, lines the lake will quarantine
    warning: str | None = None  # set when contract_failed / contract_sampled > CONTRACT_WARN_SHARE
    empty: int = 0  # empty lines: counted, not produced
    produced: int = 0  # confirmed by the broker
    failed: int = 0  # sent but not confirmed
    bytes: int = 0  # value bytes of the lines sent
    compressed_bytes: int = 0
    seconds: float = 0.0


@dataclass
class ProduceSummary:
    files: list[FileResult] = field(default_factory=list)
    read: int = 0
    empty: int = 0
    produced: int = 0
    failed: int = 0
    bytes: int = 0  # value bytes confirmed
    seconds: float = 0.0
    delivery_errors: list[str] = field(default_factory=list)
    recreated: int = 0
    resent: int = 0
    aborted: str | None = None  # why the remaining sources were not read

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.aborted is None and all(f.status == "ok" for f in self.files)

    @property
    def events_per_s(self) -> float:
        return self.produced / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        data["events_per_s"] = round(self.events_per_s, 1)
        data["seconds"] = round(self.seconds, 3)
        for f in data["files"]:
            f["seconds"] = round(f["seconds"], 3)
        return data


class ProgressHook:
    """No-op progress; the CLI passes a rich-backed one."""

    def start_file(self, source: HourSource, stats: ReadStats) -> None: ...

    def advance(self, stats: ReadStats, lines: int) -> None: ...

    def end_file(self, result: FileResult) -> None: ...


def produce_sources(
    sources: list[HourSource],
    producer: RawEventProducer,
    *,
    client: httpx.Client | None = None,
    progress: ProgressHook | None = None,
) -> ProduceSummary:
    """Produce every line of every source; flush; return honest counts (see :class:`FileResult`).

    A source that breaks (HTTP error, truncated gzip...) is reported and the next one is read. If
    the broker becomes unreachable the remaining sources are not read (``aborted``): their lines
    would only pile up in memory to fail after the delivery timeout.
    """
    progress = progress or ProgressHook()
    if client is None and any(s.url is not None for s in sources):
        with http_client() as own_client:
            return produce_sources(sources, producer, client=own_client, progress=progress)
    summary = ProduceSummary()
    started = time.perf_counter()
    results = [
        FileResult(name=s.name, location=s.location, hour=hour_iso(s.hour) if s.hour else None)
        for s in sources
    ]
    summary.files = results
    for index, (source, result) in enumerate(zip(sources, results, strict=True)):
        if producer.broker_unreachable:
            summary.aborted = "Kafka unreachable: delivery timed out; remaining sources not read"
            result.status = "skipped"
            continue
        _produce_one(source, result, index, producer, client, progress)
        if result.error_kind == "aborted":
            summary.aborted = result.error
    report: DeliveryReport = producer.flush()
    summary.seconds = time.perf_counter() - started
    for index, result in enumerate(results):
        result.produced, result.failed = report.by_tag.get(index, (0, 0))
    summary.read = sum(r.read for r in results)
    summary.empty = sum(r.empty for r in results)
    summary.produced = report.produced
    summary.failed = report.failed
    summary.bytes = report.bytes
    summary.delivery_errors = report.errors
    summary.recreated = report.recreated
    summary.resent = report.resent
    return summary


def _produce_one(
    source: HourSource,
    result: FileResult,
    index: int,
    producer: RawEventProducer,
    client: httpx.Client | None,
    progress: ProgressHook,
) -> None:
    stats = ReadStats()
    headers = headers_for(source)
    send = producer.send
    t0 = time.perf_counter()
    progress.start_file(source, stats)
    read = empty = nbytes = sampled = failed = 0
    try:
        for line in iter_lines(source, stats, client=client):
            read += 1
            if not line:
                empty += 1
                continue
            nbytes += len(line)
            send(line, repo_key(line), headers, tag=index)
            if read % CONTRACT_SAMPLE_EVERY == 1:
                sampled += 1
                failed += type(validate_event(line, source="gharchive")) is QuarantineRecord
            if read % PROGRESS_EVERY == 0:
                progress.advance(stats, read)
                if producer.broker_unreachable:
                    raise SourceError("aborted", "Kafka unreachable: delivery timed out; stopped reading")
        result.status = "ok"
    except SourceError as exc:
        result.status = "error"
        result.error = str(exc)
        result.error_kind = exc.kind
    finally:
        result.read, result.empty, result.bytes = read, empty, nbytes
        result.contract_sampled, result.contract_failed = sampled, failed
        if sampled and failed / sampled > CONTRACT_WARN_SHARE:
            result.warning = (
                f"{failed} of {sampled} sampled lines ({failed / sampled:.0%}) fail the contract: "
                "the lake will quarantine about that share of this file (see docs/contract.md)"
            )
        result.compressed_bytes = stats.compressed_bytes
        result.seconds = time.perf_counter() - t0
        progress.advance(stats, read)
        progress.end_file(result)
