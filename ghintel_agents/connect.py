"""The agents' connection to the world: ApiTools over the shared API client (a server at
GHINTEL_API_URL, else the app in-process over the local lake) and the configured chat model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ghintel_agents.core.client import api_client
from ghintel_agents.core.llm import chat_model
from ghintel_agents.tools import ApiTools
from ghintel_pipeline.lib.settings import Settings


@contextmanager
def open_tools(settings: Settings) -> Iterator[ApiTools]:
    with api_client(settings) as client:
        yield ApiTools(client)


def settings_model(settings: Settings):
    """The chat model of GHINTEL_LLM_* settings, or None (deterministic plans)."""
    return chat_model(settings)
