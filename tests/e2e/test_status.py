"""`ghintel status` of the running platform reads Dagster through the webserver's GraphQL API, and
what it reads there is what the Dagster instance holds."""

from __future__ import annotations

import pytest

from ghintel_pipeline.lib.platform import dagster_api
from ghintel_pipeline.lib.platform.health import latest_check_results
from ghintel_pipeline.lib.platform.status import platform_status
from tests.e2e.conftest import E2EPlatform

pytestmark = pytest.mark.slow


def test_status_reads_the_webserver_and_it_matches_the_instance(e2e_platform: E2EPlatform, gold_ready: dict):
    status = platform_status(e2e_platform.settings)
    assert status["platform"]["state"] == "running"
    assert status["dagster"]["read_from"] == "webserver"
    assert status["dagster"]["last_run"]["status"] == "SUCCESS"
    assert status["health"]["status"] == "ok", status["health"]

    def key(check: dict) -> tuple:
        return check["asset"], check["check"], check["passed"], check["blocking"], check["severity"]

    via_webserver = dagster_api.latest_check_results(e2e_platform.dagster)
    via_instance = latest_check_results(e2e_platform.settings)  # no URL: the instance (imports Dagster)
    assert len(via_webserver) > 10  # the silver checks and the dbt tests of gold
    assert sorted(map(key, via_webserver)) == sorted(map(key, via_instance))
