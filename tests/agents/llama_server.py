"""Build (once, cached) and serve llama.cpp's OpenAI-compatible server for the real-model test.

llama-cpp-python ships no binary wheel, so it builds from source (~7 min on 2 cores). It stays out
of uv.lock: it lives in its own venv under a cache folder and is reused on later runs. The build
starts in the background at pytest session start (see conftest.py) so it overlaps the suite.

Run directly (``python tests/agents/llama_server.py``) to build the cache ahead of time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

LLAMA_SPEC = "llama-cpp-python[server]==0.3.*"
CACHE = Path(os.environ.get("GHINTEL_LLAMA_CACHE", Path.home() / ".cache" / "ghintel" / "llama-server"))
VENV = CACHE / "venv"
PYTHON = VENV / "bin" / "python"
READY = CACHE / "ready"
LOG = CACHE / "build.log"
LOCK = CACHE / "build.lock"


def wanted(args: list[str], rootpath: Path) -> bool:
    """True when the pytest arguments select tests/agents (or a folder containing it)."""
    here = Path(__file__).resolve().parent
    paths = [(rootpath / a.split("::")[0]).resolve() for a in args] or [rootpath / "tests"]
    return any(here == p or p in here.parents or here in p.parents for p in paths)


def built() -> bool:
    return READY.exists() and PYTHON.exists()


def start_build() -> subprocess.Popen | None:
    """Start the build in the background unless it is cached or another process is building it."""
    if built():
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(LOCK, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        if time.time() - LOCK.stat().st_mtime < 3600:
            return None
        LOCK.unlink(missing_ok=True)
        fd = os.open(LOCK, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    os.close(fd)
    log = LOG.open("w")
    return subprocess.Popen(
        [sys.executable, __file__, "--build"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _build() -> None:
    started = time.monotonic()
    try:
        # --no-config: the project's own uv settings (its overrides drop llama-cpp-python from the
        # dev extras) must not apply to this separate venv.
        subprocess.run(["uv", "venv", "--no-config", "--python", "3.11", str(VENV)], check=True)
        env = {**os.environ, "CMAKE_ARGS": "-DGGML_NATIVE=OFF", "CMAKE_BUILD_PARALLEL_LEVEL": "2"}
        install = ["uv", "pip", "install", "--no-config", "--python", str(PYTHON), LLAMA_SPEC]
        subprocess.run(install, check=True, env=env)
        subprocess.run([str(PYTHON), "-c", "import llama_cpp.server"], check=True)
        READY.write_text(f"{time.monotonic() - started:.0f}\n")
        print(f"built in {time.monotonic() - started:.0f} s")
    finally:
        LOCK.unlink(missing_ok=True)


def wait_built(timeout_s: float) -> bool:
    """Wait for a build started by this or another process; start one if none is running."""
    deadline = time.monotonic() + timeout_s
    start_build()
    while time.monotonic() < deadline:
        if built():
            return True
        if not LOCK.exists():
            start_build()
        time.sleep(2)
    return built()


def serve(model_path: Path, port: int) -> subprocess.Popen:
    """Start the server on ``port``; the caller waits for /v1/models and stops it."""
    return subprocess.Popen(
        [
            str(PYTHON),
            "-m",
            "llama_cpp.server",
            "--model",
            str(model_path),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--n_ctx",
            "2048",
            "--chat_format",
            "chatml",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(CACHE / "server.log").open("w"),
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--build"]:
        _build()
    else:
        process = start_build()
        if process is not None:
            sys.exit(process.wait())
