from __future__ import annotations

from fastapi import Request
from pydantic import BaseModel, Field

from ghintel_api.api.deps import DATA_DEPENDENCIES, NO_QUERY_PARAMS, api_router
from ghintel_api.core.middleware import provided_key

router = api_router("ask", "/ask", dependencies=[DATA_DEPENDENCIES[0], NO_QUERY_PARAMS])


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=1000, description="A question in English")


def _internal_client(request: Request):
    """A client over this very app (the router calls the public routes, as `ghintel ask` does)."""
    client = getattr(request.app.state, "ask_client", None)
    if client is None:
        from fastapi.testclient import TestClient

        # the header or the explorer's key cookie (/ui/key), whichever the caller was admitted with
        key = provided_key(request.scope["headers"])
        headers = {"X-API-Key": key} if key else {}
        # no lifespan: the app's lake is already open; the key only passes the access check
        client = TestClient(request.app, base_url="http://ghintel.internal", headers=headers)
        request.app.state.ask_client = client
    return client


def _answer_model():
    from ghintel_agents.core.citations import AskAnswer

    return AskAnswer


@router.post(
    "",
    response_model=_answer_model(),
    operation_id="ask",
    responses={400: {"description": "The body is not valid JSON"}},
)
def ask(request: Request, body: AskRequest):
    """Answer a question from gold rows: deterministic routing over the API's own routes (or an
    LLM phrasing when GHINTEL_LLM_* is set), every number verified against the cited rows,
    abstaining on periods the lake lacks, low star coverage and out-of-domain questions."""
    from ghintel_agents.ask.answer import answer_question
    from ghintel_agents.core.llm import chat_model
    from ghintel_agents.tools import ApiTools

    model = chat_model(request.app.state.settings)
    return answer_question(body.question, ApiTools(_internal_client(request)), model=model)
