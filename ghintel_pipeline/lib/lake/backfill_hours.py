"""Many GH Archive hours in one call, ``parallel`` at a time, each in its own process.

A worker process runs the whole ``backfill_lines`` of its hour (read, validate, bronze, silver), so
the Python work of two hours runs on two cores and each process keeps the memory of one hour
(the single-hour budget, < 1 GB). Hours read, validate and write bronze side by side (each
replaces only its own hour's rows); ``HourTurns`` keeps the silver merges in the order the hours
were given, as a one-by-one backfill makes them, so the first delivery of an event that two hours
hold is the same one. A bronze commit that conflicts (the same hour twice at once, or a compacted
file holding both hours) re-runs its hour: the overwrite makes that harmless. Workers are spawned,
so a script that calls this must guard its top level with ``if __name__ == "__main__":`` (as for
any process pool).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path

from deltalake.exceptions import CommitFailedError

from ghintel_pipeline.lib.gharchive.hours import is_hour_spec
from ghintel_pipeline.lib.gharchive.reader import event_lines
from ghintel_pipeline.lib.lake.backfill import backfill_lines
from ghintel_pipeline.lib.lake.silver import MAX_CONFLICTS
from ghintel_pipeline.lib.settings import Settings


class HourTurns:
    """Cross-process order of one multi-hour backfill (locks shared with the workers at start)."""

    def __init__(self, ctx, hours: int) -> None:
        self._next = ctx.Value("i", 0, lock=False)
        self._passed = ctx.Array("b", hours, lock=False)
        self._cond = ctx.Condition()

    @contextmanager
    def silver(self, turn: int) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: self._next.value == turn)
        yield

    @contextmanager
    def guard(self, turn: int) -> Iterator[None]:
        """Passes the silver turn on when hour ``turn`` ends, whether it succeeded or failed."""
        try:
            yield
        finally:
            with self._cond:
                self._passed[turn] = 1
                while self._next.value < len(self._passed) and self._passed[self._next.value]:
                    self._next.value += 1
                self._cond.notify_all()


_TURNS: HourTurns | None = None


def _start_worker(turns: HourTurns) -> None:
    global _TURNS
    _TURNS = turns


def _backfill_turn(settings: Settings, turn: int, hour: str, source: str) -> dict:
    assert _TURNS is not None, "worker started without its turns"
    with _TURNS.guard(turn):
        try:
            for attempt in range(MAX_CONFLICTS):
                lines = event_lines(source, timeout_s=settings.gharchive_http_timeout_s)
                try:
                    return backfill_lines(
                        settings, hour, lines, label=Path(source).name, turns=_TURNS, turn=turn
                    )
                except CommitFailedError:
                    time.sleep(0.05 * (attempt + 1))
            raise RuntimeError("its commits kept conflicting")
        except Exception as exc:  # delta-rs errors do not pickle: the message crosses, the type is named
            raise RuntimeError(f"backfill of {hour} failed: {type(exc).__name__}: {exc}") from None


def backfill_gharchive_hours(
    settings: Settings, hours: Sequence[tuple[str, str]], *, parallel: int = 2
) -> list[dict]:
    """Load ``(hour, file or URL)`` pairs; the result of each, in the order given. A failed hour
    fails the call (RuntimeError naming it) after the others have run."""
    for hour, _ in hours:
        if not is_hour_spec(hour):
            raise ValueError(f"hour must look like 2015-01-01-15, got {hour!r}")
    if not hours:
        return []
    # spawn, not fork: the parent may hold delta-rs runtime threads, which a fork does not carry.
    ctx = multiprocessing.get_context("spawn")
    turns = HourTurns(ctx, len(hours))
    workers = max(1, min(parallel, len(hours)))
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_start_worker, initargs=(turns,)) as pool:
        futures = [pool.submit(_backfill_turn, settings, k, hour, src) for k, (hour, src) in enumerate(hours)]
        wait(futures)
    return [future.result() for future in futures]
