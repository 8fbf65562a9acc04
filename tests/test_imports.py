"""The import graph: no module-level cycle between ghintel modules, and light commands stay light."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

PACKAGES = ("ghintel_pipeline", "ghintel_api", "ghintel_agents", "benchmarks")
# What a command that neither runs Dagster jobs, dbt nor charts must not load.
HEAVY = ("dagster", "dagster_dbt", "dbt", "matplotlib")


def module_files() -> dict[str, ast.Module]:
    found = {}
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = ast.parse(path.read_text(), str(path))
    return found


def module_level_imports(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """Modules of ours that ``name`` imports when it is imported (not inside functions or TYPE_CHECKING)."""
    is_package = f"{name}.__init__" in known or any(k.startswith(name + ".") for k in known)
    targets: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets.add(module)
            targets.update(f"{module}.{alias.name}" for alias in node.names)
    return {t for t in targets if t in known and t != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_between_modules():
    trees = module_files()
    known = set(trees)
    graph = {name: module_level_imports(name, tree, known) for name, tree in trees.items()}
    # A package's __init__ re-exporting its submodules is not a cycle unless a submodule needs it back.
    assert len(graph) > 100 and graph["ghintel_pipeline.cli.main"]
    assert cycles(graph) == []


def modules_after(code: str, home) -> set[str]:
    """Top-level packages loaded after running ``code`` in a fresh interpreter."""
    probe = code + "import json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "GHINTEL_HOME": str(home), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def loaded_by(argv: list[str], home) -> set[str]:
    """Top-level packages loaded by running ``ghintel <argv>``."""
    code = "from ghintel_pipeline.cli.main import app\n"
    code += f"try:\n    app({argv!r})\nexcept SystemExit:\n    pass\n"
    return modules_after(code, home)


LIGHT_COMMANDS = ["--help", "status", "status --quick", "kafka --help", "produce --help", "ask --help"]


@pytest.mark.parametrize("command", LIGHT_COMMANDS)
def test_light_commands_load_no_dagster_dbt_or_matplotlib(command, tmp_path):
    modules = loaded_by(command.split(), tmp_path)
    assert "typer" in modules  # the probe ran the command
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_help_loads_no_lake_libraries(tmp_path):
    assert not loaded_by(["--help"], tmp_path) & {"pyarrow", "deltalake", "duckdb", "kafka", "pandas"}


def test_the_lake_domains_load_without_dbt_or_matplotlib(tmp_path):
    """What `ghintel backfill gharchive --no-gold` resolves: its job, without the gold domain's imports."""
    code = (
        "from ghintel_pipeline.definitions import lake_definitions\n"
        "from ghintel_pipeline.lib.settings import Settings\n"
        "lake_definitions(Settings()).resolve_job_def('backfill_gharchive_job')\n"
        "import sys\n"
        "assert 'ghintel_pipeline.lib.gold.plan' not in sys.modules, 'the gold planner was imported'\n"
    )
    modules = modules_after(code, tmp_path)
    assert "dagster" in modules and not modules & {"dagster_dbt", "dbt", "matplotlib"}


# What the Dagster webserver answers (shapes recorded from dagster-webserver 1.13; the queries
# themselves are validated against its schema in tests/platform/test_dagster_api.py).
WEBSERVER_ANSWERS = {
    "LastRun": {
        "runsOrError": {
            "__typename": "Runs",
            "results": [
                {
                    "runId": "f00dfeed-0000-4000-8000-000000000001",
                    "jobName": "ingest_github_events_job",
                    "status": "SUCCESS",
                    "creationTime": 1767225600.0,
                    "startTime": 1767225601.0,
                    "endTime": 1767225609.5,
                }
            ],
        }
    },
    "AssetChecks": {
        "assetNodes": [
            {
                "assetKey": {"path": ["silver", "github_events"]},
                "assetChecksOrError": {
                    "__typename": "AssetChecks",
                    "checks": [{"name": "quarantine_share", "blocking": True}],
                },
            }
        ]
    },
    "CheckExecutions": {
        "c0": [{"evaluation": {"success": False, "severity": "ERROR", "timestamp": 1767225608.0}}]
    },
}


@pytest.fixture
def running_platform_home(tmp_path):
    """A GHINTEL_HOME whose state says the platform runs (supervisor lock held by this process) with
    a Dagster instance and a webserver answering GraphQL on a free port."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import psutil

    from ghintel_pipeline.lib.dagster_instance import dagster_home
    from ghintel_pipeline.lib.platform.state import ChildState, PlatformState, SupervisorLock, write_state
    from ghintel_pipeline.lib.settings import Settings

    class GraphQL(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server interface
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            name = body["query"].split("query ", 1)[1].split("(", 1)[0].split("{", 1)[0].strip()
            data = json.dumps({"data": WEBSERVER_ANSWERS[name]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), GraphQL)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    home = tmp_path / "home"
    dagster = dagster_home(Settings(ghintel_home=home))
    dagster.mkdir(parents=True)
    (dagster / "dagster.yaml").write_text("telemetry: {enabled: false}\n")
    me, started = os.getpid(), psutil.Process().create_time()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    webserver = ChildState(
        "dagster-webserver", [], str(home / "w.log"), "service", pid=me, create_time=started, url=url
    )
    webserver.state = "running"
    children = {"dagster-webserver": webserver}
    state = PlatformState("running", supervisor_pid=me, supervisor_create_time=started, children=children)
    write_state(home, state)
    lock = SupervisorLock(home)
    assert lock.acquire()
    yield home
    lock.release()
    server.shutdown()


def test_status_of_a_running_platform_asks_the_webserver_and_loads_no_dagster(running_platform_home):
    code = "from ghintel_pipeline.cli.main import app\nimport contextlib, io, json\nout = io.StringIO()\n"
    code += "with contextlib.redirect_stdout(out):\n    try:\n        app(['status', '--json'])\n"
    code += "    except SystemExit as exit:\n        assert exit.code == 0, exit.code\n"
    code += "status = json.loads(out.getvalue())\nprint(json.dumps(status))\n"
    probe = code + "import sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "GHINTEL_HOME": str(running_platform_home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    status_line, modules_line = proc.stdout.strip().splitlines()[-2:]
    status, modules = json.loads(status_line), set(json.loads(modules_line))
    assert status["platform"]["state"] == "running"
    assert status["dagster"]["read_from"] == "webserver"
    assert status["dagster"]["last_run"]["run_id"].startswith("f00dfeed")
    assert status["dagster"]["last_run"]["ended_at"] == "2026-01-01T00:00:09+00:00"
    assert [r["code"] for r in status["health"]["reasons"]] == ["check_failed"]
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
