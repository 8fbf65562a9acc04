"""The ingest's malloc tuning (lib/lake/memory.py) changes what glibc does with a large allocation.

Each case runs in a fresh interpreter: glibc's thresholds are process-wide and one-way. The probe
frees a 1 MiB block (glibc's default then raises its mmap threshold to 1 MiB) and allocates 600 KiB:
untuned, that block comes from the heap (kept mapped after free); tuned to a fixed 256 KiB
threshold, it gets its own mapping, which ``free`` returns to the OS.
"""

from __future__ import annotations

import ctypes.util
import json
import os
import platform
import subprocess
import sys

import pytest

PROBE = """
import ctypes, ctypes.util, json, sys
from ghintel_pipeline.lib.lake.memory import tune_malloc
from ghintel_pipeline.lib.settings import Settings

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.mallinfo2.restype = MallInfo2
tuned = tune_malloc(Settings())
libc.free(libc.malloc(1 << 20))
before = libc.mallinfo2().hblks
block = libc.malloc(600 << 10)
mapped = libc.mallinfo2().hblks - before
libc.free(block)
print(json.dumps({"tuned": tuned, "mapped": mapped}))
"""


def _probe(**env: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


glibc_only = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc" or not ctypes.util.find_library("c"),
    reason="mallopt's parameters are glibc's; elsewhere tune_malloc changes nothing (tested below)",
)


@glibc_only
def test_default_settings_map_large_blocks_on_their_own() -> None:
    assert _probe() == {"tuned": True, "mapped": 1}


@glibc_only
def test_zero_leaves_glibc_defaults() -> None:
    # the control: without the fixed threshold the same block comes from the heap
    assert _probe(GHINTEL_MALLOC_MMAP_THRESHOLD="0", GHINTEL_MALLOC_ARENA_MAX="0") == {
        "tuned": True,
        "mapped": 0,
    }


def test_not_glibc_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from ghintel_pipeline.lib.lake import memory
    from ghintel_pipeline.lib.settings import Settings

    monkeypatch.setattr(memory, "_glibc", lambda: None)
    memory._tune.cache_clear()
    try:
        assert memory.tune_malloc(Settings(ghintel_malloc_mmap_threshold=300_000)) is False
    finally:
        memory._tune.cache_clear()


def test_settings_are_bounded() -> None:
    from pydantic import ValidationError

    from ghintel_pipeline.lib.settings import Settings

    with pytest.raises(ValidationError):
        Settings(ghintel_malloc_mmap_threshold=64 << 20)
    with pytest.raises(ValidationError):
        Settings(ghintel_malloc_arena_max=-1)
