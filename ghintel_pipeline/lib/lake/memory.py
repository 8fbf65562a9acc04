"""Peak memory of an ingest: how freed memory goes back to the OS (glibc's malloc).

An hour of 2025 lines is ~200 MB of multi-kilobyte Python ``bytes`` (and the joined buffers of
their Arrow columns), allocated by the reading thread and freed by the validating one. With glibc's
defaults those chunks land in per-thread arenas and in a heap whose mmap threshold grows with each
large free, so freed memory stays mapped and the RSS ratchets up hour after hour (measured: the
peak of a 4-hour backfill 888-979 MB, of the 4th hour alone 150-250 MB above the 1st). A fixed mmap
threshold (large buffers mapped and unmapped on their own), a trim threshold of four of those, and
two arenas keep the peak near what one hour holds, at the same CPU per event. (A ``malloc_trim``
after each hour lowered the peak further but cost a third more CPU: not done.) Set once per process
before the ingest's threads start; other C libraries: nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging

from ghintel_pipeline.lib.settings import LakeSettings

log = logging.getLogger("ghintel.lake")
# mallopt(3) parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018 - glibc (and a few others) only
        libc.gnu_get_libc_version  # noqa: B018 - glibc's own: mallopt's parameters mean what we set
    except (OSError, AttributeError, TypeError):
        return None
    return libc


@functools.cache
def _tune(mmap_threshold: int, arena_max: int) -> bool:
    libc = _glibc()
    if libc is None:
        return False
    if mmap_threshold:
        libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold)
        # Trim the heap's top once it holds more than a few thresholds of free memory.
        libc.mallopt(_M_TRIM_THRESHOLD, 4 * mmap_threshold)
    if arena_max:
        libc.mallopt(_M_ARENA_MAX, arena_max)
    log.debug("malloc tuned: mmap threshold %s, arena max %s", mmap_threshold, arena_max)
    return True


def tune_malloc(settings: LakeSettings) -> bool:
    """Apply ``GHINTEL_MALLOC_*`` once per process (later calls with the same values are free).
    False when the C library is not glibc (nothing changed)."""
    return _tune(settings.ghintel_malloc_mmap_threshold, settings.ghintel_malloc_arena_max)
