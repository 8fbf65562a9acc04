"""``ghintel agent run NAME``: run one of the LangGraph agents over the API (a server at
GHINTEL_API_URL, else the app in-process over the local lake). Heavy imports happen inside the
command so ``ghintel --help`` stays fast."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)
app = typer.Typer(no_args_is_help=True)


@app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="repo-analyst, org-health, anomaly-investigator or reporter")],
    repo: Annotated[str | None, typer.Option("--repo", help="OWNER/NAME (repo-analyst)")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Organisation login (org-health)")] = None,
    anomaly: Annotated[
        str | None, typer.Option("--anomaly", help="Anomaly id, e.g. repo:owner/name:stars:2015-01-01T01")
    ] = None,
    window: Annotated[str | None, typer.Option("--window", help="1h, 24h, 7d or 30d")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Newest hour of the window (ISO 8601)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")] = False,
) -> None:
    """Run an agent; every finding is checked against the gold rows it cites (rejected ones listed)."""
    from ghintel_agents.core.client import api_client
    from ghintel_agents.core.llm import chat_model
    from ghintel_agents.run import make_target, run_agent
    from ghintel_agents.runtime import sqlite_checkpointer
    from ghintel_agents.tools import ApiTools, NotFound
    from ghintel_pipeline.lib.settings import Settings

    options = {"repo": repo, "org": org, "anomaly": anomaly, "window": window, "as_of": as_of}
    try:
        target = make_target(name, **options)
    except (TypeError, ValueError) as exc:
        raise typer.BadParameter(_explain(exc), param_hint="NAME / options") from exc
    settings = Settings()
    model = chat_model(settings)
    try:
        with api_client(settings) as client, console.status(f"{name}: starting ...") as status:
            report = run_agent(
                name,
                target,
                ApiTools(client),
                model=model,
                checkpointer=sqlite_checkpointer(settings),
                on_step=lambda node: status.update(f"{name}: {node} done"),
            )
    except NotFound as exc:  # an entity the lake does not know: say so, no traceback
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    if name == "reporter":
        from ghintel_agents.reporter.digest import write_digest

        report["files"] = {k: str(v) for k, v in write_digest(report, settings).items()}
    if as_json:
        typer.echo(json.dumps(report, default=str))
        return
    _print(report)


def _explain(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, TypeError) and "unexpected keyword" in text:
        return f"option not used by this agent ({text.split('argument')[-1].strip()})"
    return text


def _print(report: dict) -> None:
    table = Table(title=f"{report['agent']} {report['target']}", show_lines=False)
    table.add_column("finding")
    table.add_column("citations", justify="right")
    for finding in report["findings"]:
        table.add_row(finding["text"], str(len(finding["citations"])))
    console.print(table)
    for rejected in report["rejected"]:
        console.print(f"[yellow]rejected[/yellow] {rejected['text']} ({rejected['reason']})")
    for signal in report.get("signals", []):
        console.print(f"signal {signal['name']}: value {signal['value']}, strength {signal['label']}")
    console.print(
        f"{len(report['tool_calls'])} tool calls, {len(report['citations'])} citations, "
        f"verified={report['verified']}, model={report['model']}"
    )
    for path in report.get("files", {}).values():
        typer.echo(path)
