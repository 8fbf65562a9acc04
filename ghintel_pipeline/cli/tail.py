"""``ghintel tail clean|anomalies``: follow a subscriber topic, as a rich table or JSON lines."""

from __future__ import annotations

import enum
import json
import time
from typing import Annotated

import typer


class Stream(enum.StrEnum):
    clean = "clean"
    quarantine = "quarantine"
    anomalies = "anomalies"


_COLUMNS = {
    Stream.clean: ("created_at", "event_type", "repo_name", "actor_login", "action"),
    Stream.quarantine: ("quarantined_at", "reason", "source", "kafka_offset", "message"),
    Stream.anomalies: ("event_hour", "entity", "metric", "observed", "baseline", "score", "severity"),
}


def tail(
    stream: Annotated[Stream, typer.Argument(help="clean (validated events), quarantine or anomalies.")],
    repo: Annotated[str | None, typer.Option(help="Only this owner/name.")] = None,
    org: Annotated[str | None, typer.Option(help="Only this organisation (or repository owner).")] = None,
    type_: Annotated[
        str | None, typer.Option("--type", help="Event type (clean) or metric (anomalies).")
    ] = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor login (clean).")] = None,
    from_beginning: Annotated[bool, typer.Option(help="Start at the oldest retained message.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    max_messages: Annotated[int | None, typer.Option("--max", min=1, help="Stop after this many.")] = None,
    idle_exit: Annotated[
        float | None, typer.Option(help="Stop after this many seconds without a matching message.")
    ] = None,
) -> None:
    """Print the messages of a subscriber topic as they arrive (Ctrl-C stops)."""
    from rich.console import Console
    from rich.table import Table

    from ghintel_pipeline.lib.kafka.broker import BrokerError, resolve_bootstrap
    from ghintel_pipeline.lib.settings import Settings
    from ghintel_pipeline.lib.topics.tail import (
        ANOMALY_FILTER_FIELDS,
        FILTER_FIELDS,
        matches,
        open_reader,
        poll_messages,
    )

    settings = Settings()
    topic = {
        Stream.clean: settings.ghintel_clean_topic,
        Stream.quarantine: settings.ghintel_quarantine_topic,
        Stream.anomalies: settings.ghintel_anomalies_topic,
    }[stream]
    filters = {"repo": repo, "org": org, "type": type_, "actor": actor}
    fields = ANOMALY_FILTER_FIELDS if stream is Stream.anomalies else FILTER_FIELDS
    err = Console(stderr=True)
    try:
        consumer = open_reader(
            resolve_bootstrap(settings), topic, from_beginning=from_beginning, timeout_s=3.0
        )
    except (BrokerError, LookupError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    out = Console()
    shown, last_match = 0, time.monotonic()
    columns = _COLUMNS[stream]
    try:
        while max_messages is None or shown < max_messages:
            batch = [m for m in poll_messages(consumer) if matches(m.value, filters, fields)]
            batch = batch[: None if max_messages is None else max_messages - shown]
            if not batch:
                if idle_exit is not None and time.monotonic() - last_match > idle_exit:
                    break
                continue
            last_match = time.monotonic()
            shown += len(batch)
            if as_json:
                for message in batch:
                    typer.echo(json.dumps(message.value, separators=(",", ":")))
                continue
            table = Table(*columns, show_header=shown == len(batch), box=None)
            for message in batch:
                table.add_row(*(str(message.value.get(c, "")) for c in columns))
            out.print(table)
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
    err.print(f"[dim]{shown} message(s) from {topic}[/dim]")
