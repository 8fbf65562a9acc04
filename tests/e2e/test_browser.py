"""The platform's web pages in a real (headless) browser: Dagster's asset lineage, the API docs and
the explorer (/ui).

Screenshots are saved under the test's tmp_path (printed) so a person can look at what was checked.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.browser import chromium, wait_for_text
from tests.e2e.conftest import E2EPlatform

pytestmark = pytest.mark.slow

SEED_ENDPOINTS = ["/trending-repos", "/org/{org}/summary", "/repo/{owner}/{name}/activity", "/actors/top"]
# silver/github_events with its neighbours: the bronze asset upstream, the first gold model downstream.
LINEAGE_PAGE = "/assets/silver/github_events?view=lineage&lineageScope=neighbors&lineageDepth=1"
RENDER_TIMEOUT_S = 120


def test_dagster_lineage_and_api_docs_render(e2e_platform: E2EPlatform, gold_ready: dict, tmp_path: Path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with chromium(tmp_path / "chromium-profile") as browser:
        browser.get(e2e_platform.dagster + LINEAGE_PAGE)
        lineage = wait_for_text(
            browser,
            ["bronze", "silver", "gold", "github_events", "stg_github__events"],
            RENDER_TIMEOUT_S,
            counts={"Materialized": 3},  # node statuses load after the graph itself
        )
        browser.save_screenshot(shots / "dagster-lineage.png")

        browser.get(e2e_platform.dagster + "/asset-groups")
        groups = wait_for_text(
            browser, ["Global asset lineage", "bronze", "silver", "gold"], RENDER_TIMEOUT_S
        )
        browser.save_screenshot(shots / "dagster-asset-groups.png")

        browser.get(e2e_platform.api + "/docs")
        docs = wait_for_text(browser, SEED_ENDPOINTS, RENDER_TIMEOUT_S)
        browser.save_screenshot(shots / "api-docs.png")

        # the explorer `ghintel up` links: the platform's own API, the hour's trending repositories
        top = httpx.get(e2e_platform.api + "/trending-repos?window=1h&limit=3", timeout=30).json()["data"]
        browser.get(e2e_platform.api + "/ui?window=1h")
        explorer = wait_for_text(browser, ["Trending repositories (1h)", *(r["repo_name"] for r in top)], 30)
        browser.save_screenshot(shots / "explorer.png")
    print(f"\nscreenshots: {shots}")

    # Lineage: one node per layer, each materialized by the ingest run (the hour went through).
    for needle in ("bronze", "silver", "gold", "github_events", "stg_github__events"):
        assert needle in lineage, f"{needle!r} not rendered on {LINEAGE_PAGE}: {lineage[:800]!r}"
    assert lineage.count("Materialized") >= 3, lineage[:800]
    for group in ("bronze", "silver", "gold"):
        assert group in groups, f"asset group {group!r} not rendered: {groups[:800]!r}"
    for path in SEED_ENDPOINTS:
        assert path in docs, f"{path} not rendered on /docs (Swagger UI): {docs[:500]!r}"
    assert top, "the platform ranked the hour's repositories"
    for repo in top:
        assert repo["repo_name"] in explorer, f"{repo['repo_name']} not on /ui: {explorer[:500]!r}"
    for name in ("dagster-lineage.png", "api-docs.png", "dagster-asset-groups.png", "explorer.png"):
        assert (shots / name).stat().st_size > 10_000, name  # a real picture, not a blank page
