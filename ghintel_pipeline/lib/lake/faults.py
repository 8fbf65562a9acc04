"""Fault injection for the crash tests: ``GHINTEL_FAULT_POINT=<name>[,<name>...]`` makes the process
SIGKILL itself when it reaches that point; with ``GHINTEL_FAULT_DELAY_MS`` the kill comes that many
ms later from a timer thread while the work goes on, so it can land inside a Delta write. Unset in
production, where ``fault_point`` is one environment lookup."""

from __future__ import annotations

import os
import signal
import threading

POINTS = ("bronze_write", "between", "quarantine", "merge", "publish", "publish_sent")


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def fault_point(name: str) -> None:
    wanted = os.environ.get("GHINTEL_FAULT_POINT")
    if not wanted or name not in wanted.split(","):
        return
    delay_ms = int(os.environ.get("GHINTEL_FAULT_DELAY_MS", "0"))
    if delay_ms <= 0:
        _kill()
    timer = threading.Timer(delay_ms / 1000, _kill)
    timer.daemon = True
    timer.start()
