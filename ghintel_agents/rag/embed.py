"""Text embedders: wordllama offline by default, or an OpenAI-compatible embeddings endpoint.

Both return L2-normalised float32 rows, so cosine similarity is a dot product and DuckDB's
``array_cosine_similarity`` ranks the same way.
"""

from __future__ import annotations

import shutil
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Protocol

import httpx
import numpy as np

from ghintel_pipeline.lib.settings import Settings

WORDLLAMA_CONFIG = "l2_supercat"
WORDLLAMA_DIM = 256
_TOKENIZER_FILE = f"{WORDLLAMA_CONFIG}_tokenizer_config.json"


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


class WordLlamaEmbedder:
    """wordllama's 256-d weights ship inside its wheel: no network, ~0.15 s to load."""

    dim = WORDLLAMA_DIM

    def __init__(self, cache_dir: Path):
        from wordllama import WordLlama

        # With downloads disabled wordllama looks for the tokenizer under <cache>/tokenizers/ (or a
        # package folder named `tokenizer`), while the wheel ships it in `tokenizers/`: copy it once.
        package = Path(find_spec("wordllama").origin).parent
        target = cache_dir / "tokenizers" / _TOKENIZER_FILE
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(package / "tokenizers" / _TOKENIZER_FILE, target)
        self.model = WordLlama.load(
            config=WORDLLAMA_CONFIG, dim=self.dim, cache_dir=cache_dir, disable_download=True
        )
        self.name = f"wordllama-{WORDLLAMA_CONFIG}-{self.dim}"

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self.model.embed(texts))


class OpenAIEmbedder:
    """POST {base_url}/embeddings (OpenAI, Ollama, vLLM, llama.cpp's server)."""

    def __init__(self, base_url: str, model: str, api_key: str | None, dim: int | None = None):
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"} if api_key else {},
            timeout=60,
        )
        self.model = model
        self.name = model
        self.dim = dim or len(self.embed(["dimension probe"])[0])

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        response = self.client.post("/embeddings", json={"model": self.model, "input": texts})
        response.raise_for_status()
        rows = sorted(response.json()["data"], key=lambda item: item["index"])
        return _normalise(np.array([row["embedding"] for row in rows]))


@lru_cache(maxsize=4)
def _cached(base_url: str | None, model: str, api_key: str | None, home: str) -> Embedder:
    if base_url:
        return OpenAIEmbedder(base_url, model, api_key)
    return WordLlamaEmbedder(Path(home) / "models" / "wordllama")


def get_embedder(settings: Settings) -> Embedder:
    """The configured embedder, loaded once per process and configuration."""
    return _cached(
        settings.ghintel_embed_base_url,
        settings.ghintel_embed_model,
        settings.ghintel_embed_api_key,
        str(settings.home),
    )
