"""``ghintel ask "QUESTION" [--json]``: a grounded answer from cited gold rows.

Works with or without an API server (GHINTEL_API_URL set, or the app in-process over the local
lake). Imports stay inside the command: asking must not pay for Dagster or dbt.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)


def ask(
    question: Annotated[str, typer.Argument(help="A question in English about the lake's GitHub activity")],
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")] = False,
) -> None:
    """Answer from the API's rows; every number is checked against the rows cited; abstains honestly."""
    from ghintel_agents.ask.answer import answer_question
    from ghintel_agents.core.client import api_client
    from ghintel_agents.core.llm import chat_model
    from ghintel_agents.tools import ApiTools
    from ghintel_pipeline.lib.settings import Settings

    settings = Settings()
    if not question.strip():
        raise typer.BadParameter("the question is empty", param_hint="QUESTION")
    with api_client(settings) as client:
        answer = answer_question(question, ApiTools(client), model=chat_model(settings))
    if as_json:
        typer.echo(answer.model_dump_json())
        return
    style = "yellow" if answer.abstained else "green"
    console.print(f"[{style}]{answer.answer}[/{style}]")
    for i, claim in enumerate(answer.claims, start=1):
        console.print(f"  [{i}] {claim.text}  [dim]({', '.join(claim.citations)})[/dim]")
    for c in answer.citations:
        console.print(f"  [dim]{c.id}: {c.table} {c.key} @v{c.delta_version}[/dim]")
    for r in answer.rejected_claims:
        console.print(f"  [red]rejected:[/red] {r.text} ({r.reason})")
    console.print(f"[dim]model: {answer.model}, route: {answer.route}[/dim]")


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
