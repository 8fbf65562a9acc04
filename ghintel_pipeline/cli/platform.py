"""``ghintel up | down | status``: run the whole platform locally and look at it."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from ghintel_pipeline.lib.platform.state import PlatformState
    from ghintel_pipeline.lib.settings import Settings


console = Console(stderr=True)


def _settings(source: str | None, services: str | None) -> tuple[Settings, list[str]]:
    from ghintel_pipeline.lib.platform.services import build_services, parse_services
    from ghintel_pipeline.lib.settings import Settings

    # The options travel as environment variables so that a detached supervisor sees the same values.
    if source is not None:
        os.environ["GHINTEL_SOURCE"] = source
    if services is not None:
        os.environ["GHINTEL_SERVICES"] = services
    settings = Settings()
    try:
        names = parse_services(None, settings)
        build_services(settings, names)  # validates GHINTEL_SOURCE and finds the Dagster scripts
    except (ValueError, FileNotFoundError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    return settings, names


def _print_running(state: PlatformState, settings: Settings) -> None:
    table = Table(title="ghintel platform", show_lines=False)
    for col in ("part", "state", "pid", "where"):
        table.add_column(col)
    broker = state.broker or {}
    where = broker.get("bootstrap", "")
    if broker.get("mode") == "embedded":
        where += " (embedded" + (", reused)" if broker.get("reused") else ")")
    table.add_row("kafka", broker.get("state", broker.get("mode", "?")), str(broker.get("pid", "")), where)
    for name, child in state.children.items():
        table.add_row(name, child.state, str(child.pid or ""), child.url or child.message or child.log)
    console.print(table)
    for what, url in state.pages().items():
        console.print(f"{what}: [link={url}]{url}[/link]")
    console.print(f"logs: {settings.home / 'logs'}  state: {settings.home / 'platform' / 'state.json'}")


def up(
    detach: bool = typer.Option(
        False, "--detach", "-d", help="Run in the background; stop with `ghintel down`."
    ),
    source: str = typer.Option(
        None, help="Producer source: `live` or `gharchive:<files|hours|range>` (default GHINTEL_SOURCE)."
    ),
    services: str = typer.Option(
        None,
        help="Comma-separated children to run: producer,api,dagster-webserver,dagster-daemon (or `none`).",
    ),
) -> None:
    """Start the broker, the producer, Dagster (webserver + daemon) and the API; Ctrl-C stops all."""
    from ghintel_pipeline.lib.platform.control import PlatformError, start_platform
    from ghintel_pipeline.lib.platform.services import SourceError
    from ghintel_pipeline.lib.platform.supervisor import AlreadyRunning, Supervisor

    settings, names = _settings(source, services)
    if detach:
        try:
            handle = start_platform(settings, names)
        except (PlatformError, SourceError) as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from exc
        if handle.already_running:
            console.print(f"already running (supervisor pid {handle.state.supervisor_pid}); nothing started")
        _print_running(handle.state, settings)
        console.print("stop with `ghintel down`; look with `ghintel status`")
        return

    def on_ready(state: PlatformState) -> None:
        _print_running(state, settings)
        console.print("[bold]running[/bold]: Ctrl-C stops everything")

    supervisor = Supervisor(settings, names, echo=console.print, on_ready=on_ready)
    try:
        code = supervisor.run()
    except AlreadyRunning:
        console.print("already running (see `ghintel status`); nothing started")
        return
    raise typer.Exit(code)


def down(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Stop what `ghintel up` started (children, then the broker if `up` started it)."""
    from ghintel_pipeline.lib.platform.control import stop_platform
    from ghintel_pipeline.lib.settings import Settings

    result = stop_platform(Settings())
    if as_json:
        print(json.dumps(result))
        return
    if not result["was_running"]:
        console.print("nothing was running")
    for name, how in result["children"].items():
        console.print(f"{name}: {how}")
    drain = result.get("drain") or {}
    if drain:
        console.print(
            f"drain: {drain.get('bronze_written')} rows into bronze in {drain.get('seconds')}s"
            if drain.get("success")
            else f"[red]drain failed[/red]: {drain.get('error')}"
        )
    if result.get("broker"):
        console.print(f"broker: {result['broker']}")


def _cell(section: dict, text: str) -> str:
    # A section that failed is {"error": ...}; the platform section always carries an "error" key
    # (None while nothing failed), which must not hide its state.
    return f"[red]{section['error']}[/red]" if section.get("error") else text


def status_table(status: dict) -> Table:
    """The readable ``ghintel status``: one row per part, problems in red."""
    p, b, prod = status["platform"], status["broker"], status["producer"]
    table = Table(title="ghintel status", show_header=True)
    table.add_column("part")
    table.add_column("state")
    table.add_column("details", overflow="fold")
    supervisor = f"supervisor pid {p['supervisor_pid']}" if p.get("supervisor_pid") else ""
    table.add_row(
        "platform", _cell(p, str(p.get("state"))), supervisor + (f" {p['error']}" if p.get("error") else "")
    )
    table.add_row("broker", _cell(b, str(b.get("state"))), b.get("bootstrap", ""))
    for name, child in (p.get("children") or {}).items():
        bad = child.get("state") in ("failed", "dead")
        extra = (
            child.get("message") if child.get("state") in ("failed", "dead", "exited") else child.get("url")
        )
        state = f"[red]{child.get('state')}[/red]" if bad else str(child.get("state"))
        table.add_row(f"  {name}", state, extra or "")
    table.add_row("producer", str(prod.get("state")), f"source={prod.get('source')}")
    if "lag" in status:
        lag = status["lag"]
        paused = lag.get("broker_reset_suspected")
        state = (
            "[red]PAUSED[/red]" if paused else ("caught up" if not lag.get("has_new_data") else "new data")
        )
        table.add_row(
            "kafka lag", _cell(lag, state), _cell(lag, f"{lag.get('lag')} records: {lag.get('reason')}")
        )
        for part, row in sorted((lag.get("partitions") or {}).items(), key=lambda kv: int(kv[0])):
            table.add_row(
                f"  partition {part}", str(row["lag"]), f"next offset {row['next']}, log end {row['end']}"
            )
    if "dagster" in status:
        d = status["dagster"]
        run = d.get("last_run") or {}
        failed = run.get("status") not in (None, "SUCCESS", "STARTED", "QUEUED", "STARTING")
        state = f"[red]{run.get('status')}[/red]" if failed else str(run.get("status", "none"))
        details = f"{run.get('run_id', '')[:8]} ended {run.get('ended_at')}" if run else d.get("note", "")
        table.add_row("last ingest run", _cell(d, state), _cell(d, details))
    if "health" in status:
        h = status["health"]
        ok = h.get("status") == "ok"
        table.add_row("health", _cell(h, "ok" if ok else "[red]degraded[/red]"), _cell(h, ""))
        for reason in h.get("reasons") or []:
            table.add_row(f"  {reason['code']}", "[red]![/red]", reason["message"])
        for check in h.get("failed_checks") or []:
            table.add_row(
                "  failed check", "[red]FAILED[/red]", f"{check['asset']}:{check['check']} at {check['at']}"
            )
        q = h.get("quarantine") or {}
        if q:
            table.add_row(
                "  quarantine 24h",
                f"{q['share']:.1%}",
                f"{q['quarantined']} of {q['quarantined'] + q['accepted']}",
            )
    if "gold" in status:
        g = status["gold"]
        newest = g.get("newest") or {}
        details = (
            f"{newest['table']} v{newest['version']}, {newest['age_s']:.0f}s ago" if newest else "no gold yet"
        )
        table.add_row("gold freshness", _cell(g, newest.get("committed_at") or "none"), _cell(g, details))
    return table


def status(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    quick: bool = typer.Option(False, "--quick", help="Skip lag, Dagster runs and gold freshness."),
) -> None:
    """Broker, children, producer, Kafka lag, last Dagster run and gold freshness."""
    from ghintel_pipeline.lib.platform.status import platform_status
    from ghintel_pipeline.lib.settings import Settings

    result = platform_status(Settings(), deep=not quick)
    if as_json:
        print(json.dumps(result, default=str))
    else:
        Console().print(status_table(result))
    raise typer.Exit(0 if result["platform"].get("state") == "running" else 1)
