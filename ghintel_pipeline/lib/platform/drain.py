"""What the supervisor does around the memory-only embedded broker so that a restart loses nothing.

- Before stopping the broker it started, ``drain_to_lake`` runs ``ghintel ingest`` (the command a
  user runs, same Dagster job) until Kafka is caught up, so every event produced before ``down``
  is in bronze and silver once ``down`` returns.
- Right after starting a fresh broker, ``rebase_offsets`` opens a new offset epoch when bronze still
  holds offsets of the previous (lost) log, so ingestion goes on without ``accept-broker-reset``.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable

from ghintel_pipeline.lib.platform.process import Target, spawn, stop_groups, tail
from ghintel_pipeline.lib.platform.services import child_env, ghintel_argv
from ghintel_pipeline.lib.platform.state import logs_dir
from ghintel_pipeline.lib.settings import Settings

_SUMMARY_KEYS = ("runs", "bronze_written", "silver_written", "quarantined", "lag_after")


def rebase_offsets(settings: Settings, echo: Callable[[str], None]) -> dict | None:
    from ghintel_pipeline.lib.lake import rebase_after_own_broker_start

    rebased = rebase_after_own_broker_start(settings)
    if rebased is not None:
        echo(
            f"lake: re-based Kafka offsets to epoch {rebased['epoch']} (the embedded broker started empty; "
            f"offsets {rebased['previous_offsets']} of its previous log are kept in epoch "
            f"{rebased['previous_epoch']})"
        )
    return rebased


def drain_to_lake(settings: Settings, echo: Callable[[str], None]) -> dict:
    """Run ``ghintel ingest --json`` to completion; returns its summary plus the measured seconds.

    The child runs in its own process group with its output in ``logs/drain.log``. If the caller is
    interrupted while waiting (a second Ctrl-C), the child is stopped and the exception re-raised.
    """
    started = time.monotonic()
    log = logs_dir(settings.home) / "drain.log"
    out = logs_dir(settings.home) / "drain.json"
    echo("draining Kafka into the lake (ghintel ingest) before stopping the broker ...")
    argv = ghintel_argv("ingest", "--json", "--max-runs", "10")
    with open(out, "wb") as stdout:
        popen = spawn(argv, env=child_env(settings), log_file=log, stdout=stdout)
        try:
            returncode = popen.wait(timeout=settings.ghintel_drain_timeout_s)
        except subprocess.TimeoutExpired:
            stop_groups([Target("drain", popen.pid, popen)], int_timeout_s=5, term_timeout_s=5)
            returncode = None
        except BaseException:
            stop_groups([Target("drain", popen.pid, popen)], int_timeout_s=0, term_timeout_s=0)
            raise
    seconds = round(time.monotonic() - started, 1)
    summary = _last_json(out)
    result = {
        "seconds": seconds,
        "returncode": returncode,
        "success": returncode == 0 and bool(summary.get("success")),
        **{k: summary.get(k) for k in _SUMMARY_KEYS},
    }
    if result["success"]:
        echo(
            f"drained in {seconds:.1f}s: {result['bronze_written']} rows into bronze, "
            f"{result['silver_written']} new events in silver, lag after {result['lag_after']}"
        )
    else:
        why = "timed out" if returncode is None else f"exit code {returncode}"
        result["error"] = f"drain {why} after {seconds:.1f}s: {' | '.join(tail(log, 3))} (see {log})"
        echo(f"warning: {result['error']}; records not in the lake yet are lost with the broker")
    return result


def _last_json(path) -> dict:
    """The JSON object ``ghintel ingest --json`` printed (indented), ignoring anything before it."""
    try:
        text = path.read_text()
    except OSError:
        return {}
    start = 0 if text.startswith("{") else text.rfind("\n{\n") + 1
    try:
        return json.loads(text[start:])
    except ValueError:
        return {}
