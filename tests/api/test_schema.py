"""Property-based run of the OpenAPI schema: no 5xx, every response conforms to its schema."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from tests.api.conftest import api_client

schema = schemathesis.pytest.from_fixture("api_schema")


import pytest  # noqa: E402


@pytest.fixture(scope="module")
def api_schema(lake_home):
    with api_client(lake_home) as client:
        yield schemathesis.openapi.from_asgi("/openapi.json", client.app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_openapi_conformance(case):
    case.call_and_validate()
