"""Runs of this code location that are in progress, and clean-up of runs whose process died.

``ghintel ingest``/``backfill`` execute jobs in the CLI's own process against the persistent
instance. If that process is killed, its run stays STARTED forever and keeps its lake-writer pool
slot, which would block every later writer and make the sensor wait for it. Each CLI run is tagged
with its host and pid; any tick or CLI start on the same host fails the runs whose process is
gone and frees their slots. (Runs on other hosts fall to ``dagster/max_runtime``.)
"""

import os
import socket

import dagster as dg

from ghintel_pipeline.lib.kafka.broker import pid_alive

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
TRIGGER_TAG = "ghintel/trigger"
HOST_TAG = "ghintel/host"
PID_TAG = "ghintel/pid"


def cli_run_tags() -> dict[str, str]:
    return {TRIGGER_TAG: "cli", HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


def reap_dead_cli_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail in-progress CLI runs of this host whose process is gone; returns their run ids."""
    runs = instance.get_runs(
        dg.RunsFilter(statuses=IN_PROGRESS, tags={TRIGGER_TAG: "cli", HOST_TAG: socket.gethostname()})
    )
    reaped = []
    for run in runs:
        pid = int(run.tags.get(PID_TAG, "0") or 0)
        if pid <= 0 or pid == os.getpid() or pid_alive(pid):
            continue
        instance.report_run_failed(run, f"the process (pid {pid}) that executed this run is gone")
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        reaped.append(run.run_id)
    return reaped
