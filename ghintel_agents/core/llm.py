"""The configured chat model (any OpenAI-compatible server), or None for deterministic answers."""

from __future__ import annotations

from typing import Any

from ghintel_pipeline.lib.settings import Settings


def llm_configured(settings: Settings) -> bool:
    return bool(settings.ghintel_llm_base_url and settings.ghintel_llm_model)


def chat_model(settings: Settings, **overrides: Any):
    """``ChatOpenAI`` at GHINTEL_LLM_BASE_URL, temperature 0, or None when no model is configured."""
    if not llm_configured(settings):
        return None
    from langchain_openai import ChatOpenAI

    options: dict[str, Any] = {
        "base_url": settings.ghintel_llm_base_url,
        "model": settings.ghintel_llm_model,
        # Local servers (llama.cpp, Ollama) accept any key; the client library insists on one.
        "api_key": settings.ghintel_llm_api_key or "unused",
        "temperature": 0,
        "timeout": 60,
        "max_retries": 1,
    }
    options.update(overrides)
    return ChatOpenAI(**options)
