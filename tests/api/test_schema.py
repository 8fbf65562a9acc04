"""Property-based run over the OpenAPI schema: no 5xx, every response conforms to its schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from ghintel_api.core.lake import Lake
from ghintel_api.main import create_app
from tests.api.conftest import api_settings

# The schema is read from an app without a lake (serving /openapi.json needs none); the fixture
# below gives that app the session lake before any generated request is sent.
app = create_app(api_settings("unused"))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def _lake_for_app(lake_home):
    from ghintel_pipeline.lib.lake import open_table
    from tests.agents.rag_lake import build_rag

    if open_table(api_settings(lake_home), ("gold", "rag_documents")) is None:
        build_rag(lake_home)  # /search and /ask read the retrieval index: without it they are 503
    lake = Lake(api_settings(lake_home))
    lake.open()
    app.state.lake = lake
    app.state.cursor_key = b"schema-test-key"  # the app's own home is a placeholder: no key file there
    yield
    lake.close()


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_openapi_conformance(case):
    # Schema-valid values may still be refused on purpose (a date before 1970 -> 422, an unknown
    # repo -> 404, both documented), so "valid input must give 2xx" is the one check left out.
    # Keys are off here (test_security covers them), so the schema declares no auth.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
