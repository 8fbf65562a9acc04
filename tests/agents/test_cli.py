"""``ghintel agent run`` end to end, without an API server (the app in-process over the lake)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ghintel_pipeline.cli.main import app
from tests.agents.conftest import STAR_ANOMALY

KEYS = {"agent", "target", "findings", "citations", "tool_calls", "verified", "model"}


@pytest.fixture
def cli_env(agents_home, monkeypatch):
    monkeypatch.setenv("GHINTEL_HOME", str(agents_home))
    for name in ("GHINTEL_API_URL", "GHINTEL_LLM_BASE_URL", "GHINTEL_LLM_MODEL", "GHINTEL_LAKE_ROOT"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str):
    return CliRunner().invoke(app, ["agent", "run", *args])


def test_json_is_one_object_with_the_contract(cli_env):
    result = run("anomaly-investigator", "--anomaly", STAR_ANOMALY, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert KEYS <= set(report)
    assert report["agent"] == "anomaly-investigator" and report["target"]["anomaly"] == STAR_ANOMALY
    assert report["model"] == "deterministic" and report["verified"] is True
    cited = {c["id"] for c in report["citations"]}
    assert all(set(f["citations"]) <= cited and f["citations"] for f in report["findings"])
    assert {"id", "table", "key", "delta_version", "values"} <= set(report["citations"][0])


def test_reporter_writes_the_digest(cli_env, agents_home):
    result = run("reporter", "--window", "24h", "--as-of", "2015-01-01T01:00")
    assert result.exit_code == 0, result.output
    paths = [line for line in result.stdout.splitlines() if line.endswith(("digest.md", "digest.html"))]
    assert len(paths) == 2
    assert "Anomalies and their investigations" in open(paths[0]).read()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("nope",), 2, "unknown agent"),
        (("repo-analyst", "--repo", "no-slash"), 2, "OWNER/NAME"),
        (("repo-analyst", "--org", "apache"), 2, "not used by this agent"),
        (("org-health", "--org", "no-such-org-here"), 1, "unknown organisation"),
    ],
)
def test_bad_input_is_a_clear_error(cli_env, args, code, message):
    result = run(*args)
    assert result.exit_code == code
    assert message in result.output
