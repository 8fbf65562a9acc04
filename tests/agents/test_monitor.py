"""The monitor: a real Dagster sensor evaluation on gold/anomalies, a real run of the investigation
asset writing gold/anomaly_investigations, the webhook receiving each investigation, and only the
anomalies of a newly ingested hour investigated on the next tick."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
from deltalake import DeltaTable

from ghintel_agents.monitor import current_anomalies
from ghintel_pipeline.defs.resources import LakeResource
from ghintel_pipeline.lib.kafka.broker import free_port
from tests.agents.conftest import STAR_ANOMALY
from tests.api.conftest import api_settings, build_gold, ingest_hour
from tests.gold import synthetic as syn

H2 = dt.datetime(2015, 1, 1, 2, tzinfo=dt.UTC)
NEW_ANOMALY = "repo:ghintel-synthetic/star-burst-2:stars:2015-01-01T02"


@pytest.fixture
def webhook():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def tick(defs, cursor):
    sensor = defs.resolve_sensor_def("gold_anomalies_sensor")
    with dg.build_sensor_context(cursor=cursor, resources={"lake": LakeResource()}) as context:
        return sensor.evaluate_tick(context)


def execute(defs, request):
    job = defs.resolve_job_def("investigate_anomalies_job")
    result = job.execute_in_process(run_config=request.run_config, instance=dg.DagsterInstance.ephemeral())
    assert result.success


def investigations(home) -> dict[str, dict]:
    rows = (
        DeltaTable(str(home / "lakehouse" / "gold" / "anomaly_investigations")).to_pyarrow_table().to_pylist()
    )
    return {r["anomaly_id"]: r for r in rows}


def test_sensor_runs_the_investigator_and_writes_gold(agents_home, tmp_path, monkeypatch, webhook):
    from ghintel_pipeline.definitions import build_definitions

    home = tmp_path / "home"
    shutil.copytree(agents_home, home)
    url, received = webhook
    monkeypatch.setenv("GHINTEL_HOME", str(home))
    monkeypatch.setenv("GHINTEL_AGENT_WEBHOOK_URL", url)
    monkeypatch.delenv("GHINTEL_API_URL", raising=False)
    defs = build_definitions()

    _, ids = current_anomalies(api_settings(home))
    first = tick(defs, None)
    (request,) = first.run_requests
    assert request.run_config["ops"]["gold__anomaly_investigations"]["config"]["anomaly_ids"] == ids
    assert STAR_ANOMALY in ids
    execute(defs, request)

    written = investigations(home)
    assert set(written) == set(ids)
    star = json.loads(written[STAR_ANOMALY]["report"])
    assert written[STAR_ANOMALY]["verified"] and star["verdict"] is None
    assert {s["name"] for s in star["signals"]} >= {"low_activity_share", "lockstep_costarring"}
    assert sorted(r["target"]["anomaly"] for r in received) == sorted(ids)

    # nothing new: the next tick skips
    assert tick(defs, first.cursor).run_requests == []

    # a new hour with a new star burst -> only its anomalies are investigated
    burst = [
        {**e, "repo": {**e["repo"], "id": 900_000_004, "name": "ghintel-synthetic/star-burst-2"}}
        for e in syn.star_burst(H2)
    ]
    path = syn.write_hour_file(tmp_path / "2015-01-01-2.json.gz", None, burst)
    ingest_hour(api_settings(home), "2015-01-01-2", path)
    build_gold(api_settings(home))
    third = tick(defs, first.cursor)
    (request,) = third.run_requests
    new = request.run_config["ops"]["gold__anomaly_investigations"]["config"]["anomaly_ids"]
    assert NEW_ANOMALY in new and not set(new) & set(ids)
    execute(defs, request)
    assert NEW_ANOMALY in investigations(home)


def test_digest_schedule_runs_the_reporter(agents_home, tmp_path, monkeypatch):
    from ghintel_pipeline.definitions import build_definitions
    from ghintel_pipeline.lib.settings import Settings

    home = tmp_path / "home"
    shutil.copytree(agents_home, home)
    monkeypatch.setenv("GHINTEL_HOME", str(home))
    monkeypatch.delenv("GHINTEL_API_URL", raising=False)
    defs = build_definitions()
    schedule = defs.resolve_schedule_def("agent_digest_schedule")
    assert schedule.cron_schedule == Settings().ghintel_digest_cron
    assert schedule.job_name == "build_agent_digest_job"
    result = defs.resolve_job_def(schedule.job_name).execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    (digest,) = (home / "reports" / "digests").glob("24h-*/digest.md")
    text = digest.read_text()
    assert STAR_ANOMALY in text and "## Verified findings" in text
    assert (digest.parent / "digest.html").exists()
