"""The live poller: GitHub's events endpoints -> a sink, deduplicated, with per-poll coverage stats.

Each endpoint (``/events`` and the watchlisted ``/repos/{owner}/{repo}/events``,
``/orgs/{org}/events``) is polled no more often than its ``X-Poll-Interval``. A poll walks at most
``max_pages`` pages of 100 (newest first) following ``Link rel="next"``, and stops early at an
empty page or a page holding only ids seen before. The first page is a conditional GET with the
endpoint's ``ETag``: an unchanged feed answers 304 and costs no rate limit.

Coverage signal: when the last page allowed still held only new events on an endpoint polled
before, events probably scrolled out of the window between two polls (``possible_gap``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from ghintel_pipeline.lib.github_api.client import EventsApiClient, GitHubApiError, GitHubUnreachable
from ghintel_pipeline.lib.github_api.dedup import SeenIds
from ghintel_pipeline.lib.records import AsDict

log = logging.getLogger(__name__)

Sink = Callable[[bytes, int | None, str], None]
PER_PAGE = 100
DEFAULT_INTERVAL_S = 60.0


@dataclass(frozen=True)
class Endpoint:
    path: str
    kind: str  # firehose | repo | org


def build_endpoints(
    *, firehose: bool = True, repos: str | Iterable[str] = "", orgs: str | Iterable[str] = ""
):
    """The endpoints to poll: ``/events`` plus the watchlists (comma-separated strings or lists)."""
    endpoints: list[Endpoint] = [Endpoint("/events", "firehose")] if firehose else []
    for repo in _split(repos):
        owner, _, name = repo.partition("/")
        if not owner or not name or "/" in name:
            raise ValueError(f"watchlist repo {repo!r} is not of the form owner/repo")
        endpoints.append(Endpoint(f"/repos/{owner}/{name}/events", "repo"))
    for org in _split(orgs):
        if "/" in org:
            raise ValueError(f"watchlist org {org!r} must be a bare org login")
        endpoints.append(Endpoint(f"/orgs/{org}/events", "org"))
    unique = list(dict.fromkeys(endpoints))
    if not unique:
        raise ValueError("nothing to poll: the firehose is off and the watchlists are empty")
    return unique


def _split(value: str | Iterable[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    return [item.strip() for item in items if item.strip()]


@dataclass
class EndpointPoll(AsDict):
    """What one poll of one endpoint saw."""

    endpoint: str
    started_at: float
    status: int | None = None
    pages: int = 0
    new: int = 0
    seen: int = 0
    etag_hit: bool = False
    rate_remaining: int | None = None
    rate_reset: float | None = None
    poll_interval: float = DEFAULT_INTERVAL_S
    possible_gap: bool = False
    error: str | None = None


@dataclass
class PollResult:
    poll: int
    started_at: float
    finished_at: float
    endpoints: list[EndpointPoll]

    @property
    def new(self) -> int:
        return sum(e.new for e in self.endpoints)

    @property
    def seen(self) -> int:
        return sum(e.seen for e in self.endpoints)

    @property
    def possible_gap(self) -> bool:
        return any(e.possible_gap for e in self.endpoints)

    def to_dict(self) -> dict[str, Any]:
        return {
            "poll": self.poll,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "new": self.new,
            "seen": self.seen,
            "possible_gap": self.possible_gap,
            "endpoints": [e.to_dict() for e in self.endpoints],
        }


@dataclass
class RunSummary(AsDict):
    polls: int = 0
    endpoint_polls: int = 0
    events_new: int = 0
    events_seen: int = 0
    not_modified: int = 0
    possible_gaps: int = 0
    endpoint_errors: int = 0
    network_failures: int = 0
    requests: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    rate_limit_wait_s: float = 0.0
    started_at: float = 0.0
    elapsed_s: float = 0.0
    stopped_by: str = ""
    dedup_size: int = 0
    dedup_evicted: int = 0


@dataclass
class _EndpointState:
    etag: str | None = None
    next_due: float = 0.0
    interval: float = DEFAULT_INTERVAL_S
    polls_ok: int = 0
    # False after a walk broke off: the next walk must not stop at a page of known ids, because
    # the events behind it were never fetched.
    walk_complete: bool = True
    last: EndpointPoll | None = None


@dataclass
class _Walk:
    """What one endpoint walk collected, newest first: every id met, and the new events."""

    ids: list[str] = field(default_factory=list)
    id_set: set[str] = field(default_factory=set)
    fresh: list[tuple[bytes, int | None]] = field(default_factory=list)


@dataclass
class EventsPoller:
    """Polls ``endpoints`` through ``client`` and hands every new event to ``sink``.

    ``sink(raw_event_bytes, repo_id, endpoint_path)`` receives each event re-serialized compactly
    (all fields kept), oldest first within a poll, so per-repo order in Kafka follows time.
    """

    client: EventsApiClient
    endpoints: list[Endpoint]
    sink: Sink
    dedup_capacity: int = 50_000
    max_pages: int = 3
    min_interval_s: float = 0.0
    max_network_failures: int = 3
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    should_stop: Callable[[], bool] = lambda: False
    on_poll: Callable[[PollResult], None] | None = None
    last_result: PollResult | None = field(init=False, default=None)
    seen: SeenIds = field(init=False)
    summary: RunSummary = field(init=False)
    _states: dict[str, _EndpointState] = field(init=False)

    def __post_init__(self) -> None:
        self.seen = SeenIds(self.dedup_capacity)
        self.summary = RunSummary(started_at=self.clock())
        self._states = {ep.path: _EndpointState() for ep in self.endpoints}

    def state(self, path: str) -> _EndpointState:
        return self._states[path]

    def export_state(self) -> dict[str, Any]:
        """ETags of completely walked endpoints and the remembered ids: what a restart needs to
        neither re-produce events nor spend rate limit on unchanged feeds."""
        etags = {path: st.etag for path, st in self._states.items() if st.etag and st.walk_complete}
        return {"etags": etags, "seen": self.seen.oldest_first()}

    def import_state(self, saved: dict[str, Any]) -> None:
        """Restore ``export_state`` output; endpoints no longer polled are ignored."""
        for event_id in saved.get("seen") or []:
            self.seen.add(str(event_id))
        for path, etag in (saved.get("etags") or {}).items():
            if path in self._states and isinstance(etag, str):
                self._states[path].etag = etag

    def run(self, *, max_polls: int | None = None, duration_s: float | None = None) -> RunSummary:
        """Poll until ``max_polls`` cycles, ``duration_s`` seconds, or ``should_stop()``.

        Raises ``GitHubUnreachable`` when the API was never reached or stays unreachable for
        ``max_network_failures`` consecutive cycles.
        """
        start = self.clock()
        deadline = start + duration_s if duration_s is not None else None
        consecutive_failures = 0
        stopped_by = "signal"
        while True:
            if self.should_stop():
                break
            if max_polls is not None and self.summary.polls >= max_polls:
                stopped_by = "max_polls"
                break
            now = self.clock()
            if deadline is not None and now >= deadline:
                stopped_by = "duration"
                break
            due_at = min(state.next_due for state in self._states.values())
            if due_at > now:
                self.sleep((min(due_at, deadline) if deadline is not None else due_at) - now)
                continue
            try:
                self.poll_once()
                consecutive_failures = 0
            except GitHubUnreachable as exc:
                consecutive_failures += 1
                self.summary.network_failures += 1
                if self.client.responses == 0 or consecutive_failures >= self.max_network_failures:
                    self._finish(start, "network_error")
                    raise
                log.warning("GitHub unreachable (%s); trying again next interval", exc)
                for state in self._states.values():
                    state.next_due = self.clock() + state.interval
        return self._finish(start, stopped_by)

    def _finish(self, start: float, stopped_by: str) -> RunSummary:
        self.summary.elapsed_s = self.clock() - start
        self.summary.stopped_by = stopped_by
        return self.refresh_summary()

    def refresh_summary(self) -> RunSummary:
        """Copy the client's and dedup's counters into the summary (also mid-run, for status)."""
        s = self.summary
        s.requests = self.client.requests
        s.retries = self.client.retries
        s.rate_limit_waits = self.client.rate_limit_waits
        s.rate_limit_wait_s = self.client.rate_limit_wait_s
        s.dedup_size = len(self.seen)
        s.dedup_evicted = self.seen.evicted
        return s

    def poll_once(self) -> PollResult:
        """One cycle: every endpoint that is due now, in order."""
        started = self.clock()
        results: list[EndpointPoll] = []
        for ep in self.endpoints:
            if self._states[ep.path].next_due > self.clock():
                continue
            if results and self.should_stop():
                break
            results.append(self.poll_endpoint(ep))
        self.summary.polls += 1
        result = self.last_result = PollResult(self.summary.polls, started, self.clock(), results)
        log.info(
            "poll %d: %d new, %d seen%s",
            result.poll,
            result.new,
            result.seen,
            " (possible gap)" if result.possible_gap else "",
        )
        if self.on_poll is not None:
            self.on_poll(result)
        return result

    def poll_endpoint(self, ep: Endpoint) -> EndpointPoll:
        state = self._states[ep.path]
        stats = EndpointPoll(ep.path, started_at=self.clock(), poll_interval=state.interval)
        walk = _Walk()
        unreachable: GitHubUnreachable | None = None
        try:
            self._walk(ep, state, stats, walk)
        except GitHubUnreachable as exc:
            unreachable = exc
            stats.error = str(exc)
        except GitHubApiError as exc:
            stats.error = str(exc)
            stats.status = stats.status or exc.status
        # Pages come newest first; ids are remembered and events sent oldest first, so the LRU
        # forgets the oldest ids first and a repo's events reach Kafka in time order.
        for event_id in reversed(walk.ids):
            self.seen.add(event_id)
        for raw, repo_id in reversed(walk.fresh):
            self.sink(raw, repo_id, ep.path)
        rate = self.client.rate
        stats.rate_remaining, stats.rate_reset = rate.remaining, rate.reset
        state.next_due = stats.started_at + state.interval
        state.last = stats
        self._account(stats)
        if unreachable is not None:
            raise unreachable
        log.info(
            "%s: status=%s pages=%d new=%d seen=%d etag_hit=%s remaining=%s%s%s",
            ep.path,
            stats.status,
            stats.pages,
            stats.new,
            stats.seen,
            stats.etag_hit,
            stats.rate_remaining,
            " possible_gap" if stats.possible_gap else "",
            f" error={stats.error}" if stats.error else "",
        )
        return stats

    def _walk(self, ep: Endpoint, state: _EndpointState, stats: EndpointPoll, walk: _Walk) -> None:
        response = self.client.get(self.client.url(ep.path), params={"per_page": PER_PAGE}, etag=state.etag)
        stats.status = response.status
        self._set_interval(state, response.poll_interval)
        stats.poll_interval = state.interval
        if response.status == 304:
            stats.etag_hit = True
            return
        if response.status != 200:
            stats.error = f"HTTP {response.status}: {response.content[:200].decode('utf-8', 'replace')}"
            return
        # The ETag is kept only once the whole walk succeeded: a 304 after a failed page 2 would
        # otherwise hide that page's events for good.
        etag, state.etag = response.etag, None
        resuming, state.walk_complete = not state.walk_complete, False
        while True:
            stats.pages += 1
            events = orjson.loads(response.content)
            if not isinstance(events, list):
                raise GitHubApiError(f"{response.url}: expected a JSON array of events", response.status)
            page_new = self._take(events, walk)
            stats.new += page_new
            stats.seen += len(events) - page_new
            if not events or (page_new == 0 and not resuming):
                break
            if stats.pages >= self.max_pages:
                # GitHub serves at most 300 events, so page 3 has no next link even when more exist.
                stats.possible_gap = page_new == len(events) and state.polls_ok > 0
                break
            next_url = response.links.get("next")
            if next_url is None or not self.client.same_origin(next_url) or self.should_stop():
                break
            response = self.client.get(next_url)
            if response.status != 200:
                stats.error = f"page {stats.pages + 1}: HTTP {response.status}"
                return
        state.etag = etag
        state.walk_complete = True
        state.polls_ok += 1

    def _take(self, events: list, walk: _Walk) -> int:
        """Queue the events seen neither before nor earlier in this walk; returns how many."""
        new = 0
        for event in events:
            event_id = event.get("id") if isinstance(event, dict) else None
            if event_id is not None:
                event_id = str(event_id)
                walk.ids.append(event_id)
                if event_id in walk.id_set or event_id in self.seen:
                    continue
                walk.id_set.add(event_id)
            # An event without an id cannot be deduplicated: pass it on, the contract quarantines it.
            repo = event.get("repo") if isinstance(event, dict) else None
            repo_id = repo.get("id") if isinstance(repo, dict) else None
            walk.fresh.append((orjson.dumps(event), repo_id if isinstance(repo_id, int) else None))
            new += 1
        return new

    def _set_interval(self, state: _EndpointState, header_s: float | None) -> None:
        if header_s is not None:
            state.interval = max(header_s, self.min_interval_s)
        else:
            state.interval = max(state.interval, self.min_interval_s)

    def _account(self, stats: EndpointPoll) -> None:
        s = self.summary
        s.endpoint_polls += 1
        s.events_new += stats.new
        s.events_seen += stats.seen
        s.not_modified += int(stats.etag_hit)
        s.possible_gaps += int(stats.possible_gap)
        s.endpoint_errors += int(stats.error is not None)
