"""``ghintel produce live``: poll GitHub's Events API (firehose and watchlists) into Kafka."""

from __future__ import annotations

import json
import logging
import signal
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from ghintel_pipeline.lib.github_api import PollResult

EXIT_DELIVERY_FAILED = 1
EXIT_UNREACHABLE = 3

NO_NETWORK_HINT = (
    "This machine may have no access to the GitHub API. Replay GH Archive hours instead: "
    "`ghintel produce gharchive <hour|file>` (e.g. 2015-01-01-0), or for `ghintel up` set "
    "GHINTEL_SOURCE=gharchive:<files|hours|range>, e.g. GHINTEL_SOURCE=gharchive:2015-01-01-0..2015-01-01-3."
)

log = logging.getLogger(__name__)


@contextmanager
def _stop_on_signals(stop: threading.Event):
    """First SIGINT/SIGTERM asks for a clean stop (finish the send, flush); a second one aborts."""

    def handler(signum, _frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def live(
    max_polls: Annotated[
        int | None, typer.Option("--max-polls", min=1, help="Stop after N poll cycles.")
    ] = None,
    duration: Annotated[float | None, typer.Option("--duration", min=0, help="Stop after S seconds.")] = None,
    once: Annotated[bool, typer.Option("--once", help="One poll cycle (= --max-polls 1).")] = False,
    repos: Annotated[
        str | None, typer.Option("--repos", help="owner/repo,... to watch (default GHINTEL_WATCH_REPOS).")
    ] = None,
    orgs: Annotated[
        str | None, typer.Option("--orgs", help="org,... to watch (default GHINTEL_WATCH_ORGS).")
    ] = None,
    firehose: Annotated[
        bool, typer.Option("--firehose/--no-firehose", help="Also poll the public /events firehose.")
    ] = True,
    min_interval: Annotated[
        float, typer.Option("--min-interval", min=0, help="Floor for each endpoint's poll interval (s).")
    ] = 0.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON summary only.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every endpoint poll.")] = False,
) -> None:
    """Poll GET /events (+ watchlisted repo/org events) and produce each new event to Kafka.

    Honours ETag (304s are free), X-Poll-Interval, rate limits and Retry-After; deduplicates event
    ids across polls. Ctrl-C stops cleanly: the current send finishes and the producer is flushed.
    """
    from ghintel_pipeline.lib.github_api import (
        EventsApiClient,
        EventsPoller,
        GitHubUnreachable,
        build_endpoints,
        build_live_status,
        load_poller_state,
        save_poller_state,
        write_live_status,
    )
    from ghintel_pipeline.lib.kafka.broker import BrokerError, resolve_bootstrap
    from ghintel_pipeline.lib.kafka.producer import ProducerError, RawEventProducer
    from ghintel_pipeline.lib.settings import Settings

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    console = Console(stderr=json_out)
    settings = Settings()
    try:
        endpoints = build_endpoints(
            firehose=firehose,
            repos=settings.ghintel_watch_repos if repos is None else repos,
            orgs=settings.ghintel_watch_orgs if orgs is None else orgs,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    try:
        bootstrap = resolve_bootstrap(settings)
        producer = RawEventProducer(bootstrap, settings.ghintel_topic)
    except (BrokerError, ProducerError) as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_DELIVERY_FAILED) from exc

    stop = threading.Event()
    source_header = ("source", b"events_api")
    endpoint_headers = {ep.path: ("endpoint", ep.path.encode()) for ep in endpoints}

    def sink(raw: bytes, repo_id: int | None, endpoint: str) -> None:
        key = str(repo_id).encode() if repo_id is not None else None
        producer.send(raw, key, [source_header, endpoint_headers[endpoint]])

    client = EventsApiClient(
        settings.github_api_url,
        token=settings.github_token,
        sleep=stop.wait,
        should_stop=stop.is_set,
        max_attempts=settings.ghintel_live_max_attempts,
        backoff_s=settings.ghintel_live_backoff_s,
    )
    poller = EventsPoller(
        client=client,
        endpoints=endpoints,
        sink=sink,
        # Each endpoint shows up to 300 ids at once; remembering fewer would re-produce events.
        dedup_capacity=max(settings.ghintel_live_dedup_ids, 600 * len(endpoints)),
        max_pages=settings.ghintel_live_max_pages,
        min_interval_s=min_interval,
        sleep=stop.wait,
        should_stop=stop.is_set,
    )

    def status(state: str, **extra) -> dict:
        totals = producer.totals
        return build_live_status(
            poller,
            state=state,
            extra={"produced": totals.produced, "failed": totals.failed, "errors": totals.errors, **extra},
        )

    def on_poll(result: PollResult) -> None:
        report = producer.flush()  # per poll, so the status shows confirmed deliveries
        write_live_status(settings.home, status("running"))
        if not report.failed:
            save_poller_state(settings.home, poller)
        if not json_out:
            console.print(_poll_line(result, report.produced, report.failed))

    poller.on_poll = on_poll
    if load_poller_state(settings.home, poller) and not json_out:
        console.print(f"resumed: {len(poller.seen)} seen ids and the ETags of the previous run")
    if not json_out:
        paths = ", ".join(ep.path for ep in endpoints)
        console.print(
            escape(f"polling {settings.github_api_url} [{paths}] -> {settings.ghintel_topic} (Ctrl-C stops)")
        )
    write_live_status(settings.home, status("running"))
    unreachable: GitHubUnreachable | None = None
    try:
        with _stop_on_signals(stop):
            poller.run(max_polls=1 if once else max_polls, duration_s=duration)
    except GitHubUnreachable as exc:
        unreachable = exc
    finally:
        producer.close()
        client.close()

    summary = poller.refresh_summary().to_dict()
    totals = producer.totals
    summary.update(produced=totals.produced, failed=totals.failed, delivery_errors=totals.errors)
    if unreachable is not None:
        summary.update(error=str(unreachable), hint=NO_NETWORK_HINT)
    state = "failed" if unreachable is not None else "stopped"
    write_live_status(settings.home, status(state, error=summary.get("error")))
    _print_summary(console, summary, json_out)
    if unreachable is not None:
        console.print(
            f"[red]error:[/red] {escape(str(unreachable))}\n{escape(NO_NETWORK_HINT)}", soft_wrap=True
        )
        raise typer.Exit(EXIT_UNREACHABLE)
    if totals.failed:
        raise typer.Exit(EXIT_DELIVERY_FAILED)


def _poll_line(result: PollResult, produced: int, failed: int) -> str:
    hits = sum(e.etag_hit for e in result.endpoints)
    remaining = next(
        (e.rate_remaining for e in reversed(result.endpoints) if e.rate_remaining is not None), None
    )
    line = (
        f"poll {result.poll}: new {result.new}, seen {result.seen}, "
        f"304 {hits}/{len(result.endpoints)}, produced {produced}, rate remaining {remaining}"
    )
    if failed:
        line += f", [red]failed {failed}[/red]"
    if result.possible_gap:
        line += ", [yellow]possible gap[/yellow]"
    errors = [escape(f"{e.endpoint}: {e.error}") for e in result.endpoints if e.error]
    if errors:
        line += " [red]" + "; ".join(errors) + "[/red]"
    return line


def _print_summary(console: Console, summary: dict, json_out: bool) -> None:
    if json_out:
        print(json.dumps(summary, default=str))
        return
    console.print(
        f"stopped ({summary['stopped_by']}) after {summary['polls']} polls in {summary['elapsed_s']:.1f}s: "
        f"{summary['events_new']} new events, {summary['events_seen']} already seen, "
        f"produced {summary['produced']}, failed {summary['failed']}, "
        f"{summary['not_modified']} not-modified, {summary['possible_gaps']} possible gaps, "
        f"{summary['requests']} requests, {summary['rate_limit_waits']} rate-limit waits"
    )
    for line in summary["delivery_errors"]:
        console.print(f"[red]{escape(line)}[/red]")
