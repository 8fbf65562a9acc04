"""What every agent graph shares: gather (a fixed plan, or a chat model choosing tools) -> compose
findings from the returned rows -> verify each finding against the rows it cites.

A graph is an ``AgentSpec`` (its plan, its composer, its tool names, its prompt) turned into a
LangGraph ``StateGraph`` by ``build_agent_graph``. With no model the plan is deterministic; with a
model, ``create_agent`` lets it call the same tools under model/tool call limits, and every
sentence of its final message becomes a finding that the verifier must accept like any other.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict

import httpx
from langchain.agents import create_agent
from langchain.agents.middleware import ModelCallLimitMiddleware, ToolCallLimitMiddleware
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from ghintel_agents.core.citations import Citation
from ghintel_agents.core.verify import ClaimCheck, verify_claim
from ghintel_agents.tools import ApiTools, NotFound, ToolResult
from ghintel_pipeline.lib.settings import Settings

MAX_MODEL_CALLS = 6
MAX_TOOL_CALLS = 8


@dataclass
class Draft:
    """A finding before verification: text built from rows, and the rows' citations."""

    text: str
    citations: list[Citation]


@dataclass
class Composed:
    drafts: list[Draft]
    extra: dict[str, Any] = field(default_factory=dict)


class Gathered:
    """The tool results of one run, looked up by tool name (latest call wins)."""

    def __init__(self, results: list[ToolResult]):
        self.results = results

    def get(self, tool: str) -> ToolResult | None:
        return next((r for r in reversed(self.results) if r.tool == tool), None)

    def all(self, tool: str) -> list[ToolResult]:
        return [r for r in self.results if r.tool == tool]

    def citations(self) -> list[Citation]:
        return [c for r in self.results for c in r.citations]


@dataclass
class AgentContext:
    """Run-time dependencies of a graph (LangGraph ``context``): the API tools."""

    tools: ApiTools


@dataclass(frozen=True)
class AgentSpec:
    name: str
    plan: Callable[[ApiTools, dict], None]
    compose: Callable[[Gathered, dict], Composed]
    tool_names: tuple[str, ...]
    prompt: str
    question: Callable[[dict], str]


class AgentState(TypedDict, total=False):
    target: dict[str, Any]
    results: list[dict[str, Any]]
    model_text: str | None
    findings: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    citations: list[dict[str, Any]]
    tool_calls: list[dict[str, Any]]
    extra: dict[str, Any]


def langchain_tools(api: ApiTools, names: tuple[str, ...]) -> list[BaseTool]:
    """The named ApiTools methods as LangChain tools; the model sees each result as JSON."""

    def wrap(name: str) -> BaseTool:
        method = getattr(api, name)

        def call(**kwargs: Any) -> str:
            try:
                return method(**kwargs).content()
            except (NotFound, httpx.HTTPStatusError) as exc:  # the model reads the error and goes on
                return f"error: {exc}"

        return StructuredTool.from_function(
            func=call, name=name, description=method.__doc__, args_schema=_args_schema(method)
        )

    return [wrap(name) for name in names]


def _args_schema(method: Callable) -> type:
    import inspect

    from pydantic import create_model

    fields = {}
    for param in inspect.signature(method).parameters.values():
        annotation = param.annotation if param.annotation is not inspect.Parameter.empty else str
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (annotation, default)
    return create_model(f"{method.__name__}_args", **fields)


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def model_sentences(text: str | None) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text or "") if len(s.strip()) > 3]


def _result_to_state(result: ToolResult) -> dict[str, Any]:
    return {
        "tool": result.tool,
        "args": result.args,
        "data": result.data,
        "citations": [c.model_dump(mode="json") for c in result.citations],
    }


def _result_from_state(item: dict[str, Any]) -> ToolResult:
    citations = [Citation.model_validate(c) for c in item["citations"]]
    return ToolResult(item["tool"], item["args"], item["data"], citations)


def build_agent_graph(spec: AgentSpec, model: BaseChatModel | None = None, checkpointer: Any = None):
    """The compiled graph of ``spec``; ``checkpointer=None`` means none (pass ``sqlite_checkpointer``)."""

    def gather(state: AgentState, runtime: Runtime[AgentContext]) -> dict:
        api = runtime.context.tools
        first = len(api.calls)
        text = None
        if model is None:
            spec.plan(api, state["target"])
        else:
            agent = create_agent(
                model,
                langchain_tools(api, spec.tool_names),
                system_prompt=spec.prompt,
                middleware=[
                    ModelCallLimitMiddleware(run_limit=MAX_MODEL_CALLS, exit_behavior="end"),
                    ToolCallLimitMiddleware(run_limit=MAX_TOOL_CALLS),
                ],
            )
            out = agent.invoke({"messages": [HumanMessage(spec.question(state["target"]))]})
            final = [m for m in out["messages"] if isinstance(m, AIMessage) and not m.tool_calls]
            text = final[-1].text if final else None
        made = api.calls[first:]
        return {
            "results": [_result_to_state(r) for r in made],
            "tool_calls": [{"tool": r.tool, "args": r.args, "rows": _rows(r)} for r in made],
            "model_text": text,
        }

    def compose(state: AgentState) -> dict:
        gathered = Gathered([_result_from_state(r) for r in state.get("results", [])])
        composed = spec.compose(gathered, state["target"])
        everything = gathered.citations()
        sources = [("rows", d) for d in composed.drafts]
        sources += [("model", Draft(s, everything)) for s in model_sentences(state.get("model_text"))]
        return {
            "findings": [
                {"text": d.text, "source": src, "citations": [c.model_dump(mode="json") for c in d.citations]}
                for src, d in sources
            ],
            "extra": composed.extra,
        }

    def verify(state: AgentState) -> dict:
        kept, rejected, cited = [], [], {}
        for finding in state.get("findings", []):
            citations = [Citation.model_validate(c) for c in finding["citations"]]
            check = verify_claim(finding["text"], citations)
            if check.supported and finding["source"] == "model" and not check.citations:
                # a model sentence that states nothing a cited row holds is prose, not a finding
                check = ClaimCheck(False, "states no number, entity or date of a cited row")
            if not check.supported:
                rejected.append(
                    {"text": finding["text"], "source": finding["source"], "reason": check.reason}
                )
                continue
            # A finding built from rows cites all of them (a share cites every account counted); a
            # model's sentence was offered every row, so it cites only those the verifier matched.
            used = check.citations if finding["source"] == "model" and check.citations else citations
            for c in used:
                cited[c.id] = c.model_dump(mode="json")
            kept.append(
                {
                    "text": finding["text"],
                    "source": finding["source"],
                    "citations": [c.id for c in used],
                    "verified": True,
                }
            )
        return {"findings": kept, "rejected": rejected, "citations": list(cited.values())}

    graph = StateGraph(AgentState, context_schema=AgentContext)
    graph.add_node("gather", gather)
    graph.add_node("compose", compose)
    graph.add_node("verify", verify)
    graph.add_edge(START, "gather")
    graph.add_edge("gather", "compose")
    graph.add_edge("compose", "verify")
    graph.add_edge("verify", END)
    return graph.compile(checkpointer=checkpointer, name=spec.name)


def _rows(result: ToolResult) -> int:
    data = result.data.get("data")
    return len(data) if isinstance(data, list) else 1


def sqlite_checkpointer(settings: Settings):
    """LangGraph's SQLite checkpointer in ``$GHINTEL_HOME/agents/checkpoints.sqlite``."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = settings.home / "agents" / "checkpoints.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteSaver(sqlite3.connect(path, check_same_thread=False))


def run_config(agent: str) -> dict:
    """A fresh checkpoint thread per run (its id is reported, so a run can be inspected later)."""
    return {"configurable": {"thread_id": f"{agent}-{uuid.uuid4().hex[:12]}"}}
