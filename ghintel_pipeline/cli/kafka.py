"""``ghintel kafka start|stop|status``: the embedded broker."""

from __future__ import annotations

import json

import typer
from rich.console import Console

app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def start(
    port: int = typer.Option(None, help="Port on 127.0.0.1 (default GHINTEL_KAFKA_PORT, 9092)."),
    partitions: int = typer.Option(None, help="Partitions of the raw topic (default GHINTEL_PARTITIONS)."),
) -> None:
    """Start the embedded broker, wait until it answers and create the raw topic."""
    from ghintel_pipeline.lib.kafka.broker import BrokerError, start_broker
    from ghintel_pipeline.lib.settings import BrokerSettings

    settings = BrokerSettings()
    if settings.kafka_bootstrap_servers:
        console.print(
            f"KAFKA_BOOTSTRAP_SERVERS is set ({settings.kafka_bootstrap_servers}); not starting one."
        )
        raise typer.Exit(0)
    try:
        info = start_broker(
            settings.home,
            port=port or settings.ghintel_kafka_port,
            topic=settings.ghintel_topic,
            partitions=partitions or settings.ghintel_partitions,
        )
    except BrokerError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"broker running: pid {info.pid} at {info.bootstrap}, topic {settings.ghintel_topic}")


@app.command()
def stop() -> None:
    """Stop the embedded broker (its data is memory-only and is lost)."""
    from ghintel_pipeline.lib.kafka.broker import stop_broker
    from ghintel_pipeline.lib.settings import BrokerSettings

    settings = BrokerSettings()
    was = stop_broker(settings.home)
    console.print("broker stopped" if was else "no broker was running")


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Show the broker: running, stale (it died and its data is gone) or absent."""
    from ghintel_pipeline.lib.kafka.broker import broker_status
    from ghintel_pipeline.lib.settings import BrokerSettings

    settings = BrokerSettings()
    st = broker_status(settings.home)
    if settings.kafka_bootstrap_servers:
        st = {"state": "external", "bootstrap": settings.kafka_bootstrap_servers}
    if as_json:
        print(json.dumps(st))
    else:
        console.print(st)
    raise typer.Exit(0 if st["state"] in ("running", "external") else 1)
