"""Waiting for a condition (a port, a process, a topic) with tenacity instead of sleep loops."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

T = TypeVar("T")


def poll_until(probe: Callable[[], T], *, timeout_s: float, interval_s: float) -> T:
    """Call ``probe`` every ``interval_s`` until it returns something truthy or ``timeout_s`` passed.

    Returns the last value ``probe`` returned (falsy on timeout); exceptions from ``probe`` propagate.
    """
    retrying = Retrying(
        stop=stop_after_delay(timeout_s),
        wait=wait_fixed(interval_s),
        retry=retry_if_result(lambda value: not value),
        retry_error_callback=lambda state: state.outcome.result(),
        reraise=True,
    )
    return retrying(probe)
