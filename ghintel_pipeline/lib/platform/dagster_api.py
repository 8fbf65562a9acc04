"""What ``ghintel status`` reads from a running Dagster webserver, over its GraphQL API (httpx).

Importing Dagster to open the instance costs seconds (it loads sqlalchemy, alembic and the whole
definitions API); the webserver of ``ghintel up`` already has the instance open and answers the
same questions in milliseconds through its public GraphQL interface. Without a webserver the callers
fall back to the instance (``lib.platform.health`` / ``lib.platform.status``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

LAST_RUN_QUERY = """
query LastRun($job: String!) {
  runsOrError(filter: {pipelineName: $job}, limit: 1) {
    __typename
    ... on Runs { results { runId jobName status creationTime startTime endTime } }
    ... on PythonError { message }
  }
}
"""

CHECKS_QUERY = """
query AssetChecks {
  assetNodes {
    assetKey { path }
    assetChecksOrError { __typename ... on AssetChecks { checks { name blocking } } }
  }
}
"""

# How many executions of one check are fetched to find its newest evaluation (a running execution
# has none yet).
EXECUTIONS_PER_CHECK = 3


class DagsterApiError(RuntimeError):
    """The webserver answered, but not with the data asked for."""


def _post(url: str, query: str, variables: dict, timeout_s: float) -> dict:
    response = httpx.post(
        url.rstrip("/") + "/graphql", json={"query": query, "variables": variables}, timeout=timeout_s
    )
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise DagsterApiError("; ".join(str(e.get("message")) for e in body["errors"])[:500])
    return body["data"]


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts else None


def last_run(url: str, job: str, timeout_s: float = 10.0) -> dict | None:
    """The newest run of ``job``, in the shape of ``lib.platform.status._run_dict``."""
    answer = _post(url, LAST_RUN_QUERY, {"job": job}, timeout_s)["runsOrError"]
    if answer["__typename"] != "Runs":
        raise DagsterApiError(f"{answer['__typename']}: {answer.get('message', '')}"[:500])
    if not answer["results"]:
        return None
    run = answer["results"][0]
    return {
        "run_id": run["runId"],
        "job_name": run["jobName"],
        "status": run["status"],
        "created_at": _iso(run["creationTime"]),
        "started_at": _iso(run.get("startTime")),
        "ended_at": _iso(run.get("endTime")),
    }


def executions_query(checks: list[tuple[list[str], str]]) -> tuple[str, dict]:
    """One query with an aliased ``assetCheckExecutions`` field per check (one round trip)."""
    params, fields, variables = [], [], {}
    for i, (path, name) in enumerate(checks):
        params.append(f"$k{i}: AssetKeyInput!, $n{i}: String!")
        fields.append(
            f"c{i}: assetCheckExecutions(assetKey: $k{i}, checkName: $n{i}, limit: {EXECUTIONS_PER_CHECK})"
            " { evaluation { success severity timestamp } }"
        )
        variables[f"k{i}"], variables[f"n{i}"] = {"path": path}, name
    return f"query CheckExecutions({', '.join(params)}) {{ {' '.join(fields)} }}", variables


def latest_check_results(url: str, timeout_s: float = 10.0) -> list[dict]:
    """The newest evaluation of every asset check of the code location, in the shape of
    ``lib.platform.health.latest_check_results`` (checks never evaluated are left out)."""
    checks: list[tuple[list[str], str, bool]] = []
    for node in _post(url, CHECKS_QUERY, {}, timeout_s)["assetNodes"]:
        answer = node.get("assetChecksOrError") or {}
        for check in answer.get("checks") or []:
            checks.append((node["assetKey"]["path"], check["name"], bool(check["blocking"])))
    if not checks:
        return []
    query, variables = executions_query([(path, name) for path, name, _ in checks])
    data = _post(url, query, variables, timeout_s)
    results = []
    for i, (path, name, blocking) in enumerate(checks):
        evaluation = next((e["evaluation"] for e in data[f"c{i}"] if e.get("evaluation")), None)
        if evaluation is None:
            continue
        results.append(
            {
                "asset": "/".join(path),
                "check": name,
                "passed": bool(evaluation["success"]),
                "blocking": blocking,
                "severity": evaluation["severity"],
                "at": _iso(evaluation["timestamp"]),
            }
        )
    return sorted(results, key=lambda c: (c["asset"], c["check"]))
