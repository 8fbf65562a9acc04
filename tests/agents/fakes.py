"""Scripted chat models: LangChain's fake chat model does not implement bind_tools, so subclass it."""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage


class ScriptedChatModel(GenericFakeChatModel):
    """Answers with the given messages in order (tool calls first, then a final text)."""

    model_name: str = "scripted-fake"

    def bind_tools(self, tools, **kwargs):
        return self


def scripted(*steps: AIMessage | str) -> ScriptedChatModel:
    return ScriptedChatModel(messages=iter([s if isinstance(s, AIMessage) else AIMessage(s) for s in steps]))


def tool_call(name: str, **args) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"call-{name}", "type": "tool_call"}])
