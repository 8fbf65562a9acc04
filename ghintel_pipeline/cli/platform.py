"""``ghintel up | down | status``: run the whole platform locally and look at it."""

from __future__ import annotations

import json
import os

import typer
from rich.console import Console
from rich.table import Table

from ghintel_pipeline.lib.platform.control import PlatformError, start_platform, stop_platform
from ghintel_pipeline.lib.platform.services import SourceError, build_services, parse_services
from ghintel_pipeline.lib.platform.state import PlatformState
from ghintel_pipeline.lib.platform.status import platform_status
from ghintel_pipeline.lib.platform.supervisor import AlreadyRunning, Supervisor
from ghintel_pipeline.lib.settings import Settings

console = Console(stderr=True)


def _settings(source: str | None, services: str | None) -> tuple[Settings, list[str]]:
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


def _summary_lines(status: dict) -> list[str]:
    p, b, prod = status["platform"], status["broker"], status["producer"]
    lines = [
        f"platform: {p.get('state')}"
        + (f" (supervisor pid {p['supervisor_pid']})" if p.get("supervisor_pid") else "")
    ]
    lines.append(f"broker: {b.get('state')} {b.get('bootstrap', '')}".rstrip())
    for name, child in (p.get("children") or {}).items():
        extra = child.get("url") or ""
        if child.get("state") in ("failed", "dead", "exited") and child.get("message"):
            extra = child["message"]
        lines.append(f"  {name}: {child.get('state')} {extra}".rstrip())
    live = prod.get("live_status")
    lines.append(f"producer: {prod.get('state')} source={prod.get('source')}")
    if live:
        lines.append(f"  live status: {json.dumps(live)[:300]}")
    for key in ("lag", "dagster", "gold"):
        if key in status:
            lines.append(f"{key}: {json.dumps(status[key], default=str)[:400]}")
    return lines


def status(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    quick: bool = typer.Option(False, "--quick", help="Skip lag, Dagster runs and gold freshness."),
) -> None:
    """Broker, children, producer, Kafka lag, last Dagster run and gold freshness."""
    result = platform_status(Settings(), deep=not quick)
    if as_json:
        print(json.dumps(result, default=str))
    else:
        print("\n".join(_summary_lines(result)))
    raise typer.Exit(0 if result["platform"].get("state") == "running" else 1)


def register(app: typer.Typer) -> None:
    app.command("up")(up)
    app.command("down")(down)
    app.command("status")(status)
