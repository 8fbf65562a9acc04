"""poll_until: the one way ghintel waits for a port, a process or a topic."""

from __future__ import annotations

import time

from ghintel_pipeline.lib.polling import poll_until


def test_returns_the_first_truthy_value():
    answers = iter([None, [], [3, 1]])
    assert poll_until(lambda: next(answers), timeout_s=5, interval_s=0.01) == [3, 1]


def test_gives_up_after_the_timeout_with_the_last_value():
    started = time.monotonic()
    assert poll_until(lambda: 0, timeout_s=0.2, interval_s=0.05) == 0
    assert 0.15 <= time.monotonic() - started < 2
