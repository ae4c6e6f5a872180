"""A vector index in numpy: chunk vectors in one matrix, a dot product per query, saved atomically.

    index = VectorIndex.load(Path("runs/phase6/code.npz"))   # empty when the file is not there yet
    stats = index.update(root, source_files(root))             # embeds only new and changed files
    index.save(Path("runs/phase6/code.npz"))
    for row, score in index.search(embed_query("parse a date"), k=5):
        print(index.chunks[row].path, score)

Each file's SHA-256 is kept beside its chunks: an update re-chunks and re-embeds a file only
when its bytes changed, drops the chunks of deleted files and keeps every other vector as it is.
The whole index (vectors, chunks, hashes) is one .npz written through shared.atomic_write, so a
crash mid-save leaves the previous index, never half of one. Vectors are unit length: the dot
product is the cosine similarity, and top-k is an argpartition, not a sort of every row.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController
from tqdm import tqdm

from shared.atomic_write import atomic_write_bytes

from . import chunker
from .chunker import Chunk, chunk_file, read_text
from .embeddings import DIMENSIONS, MAX_TOKENS, MODEL_NAME, embed

FORMAT_VERSION = 1
# An index made with other chunking or embedding settings is rebuilt, not mixed with new chunks.
SETTINGS = (f"format {FORMAT_VERSION}, {MODEL_NAME}, {MAX_TOKENS} tokens, windows "
            f"{chunker.WINDOW_LINES}/{chunker.WINDOW_OVERLAP}, small class {chunker.SMALL_CLASS_LINES}, "
            f"embedded chars {chunker.EMBED_CHARS}")
EMBED_BATCH = 64  # chunks per embedding call: the progress bar moves once per batch

Embedder = Callable[[list[str]], np.ndarray]
# One BLAS thread for the query's matrix-vector product: measured on a loaded 2-core machine,
# 10,000 chunks took 8.0 ms with OpenBLAS's two threads and 1.3 ms with one (the product reads
# memory once; a second thread mostly waits for the first).
BLAS = ThreadpoolController()


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class UpdateStats:
    """What one update did: file counts, chunks embedded, seconds spent."""

    unchanged: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    embedded_chunks: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{len(self.added)} new, {len(self.changed)} changed, {len(self.removed)} removed, "
                f"{self.unchanged} unchanged files; {self.embedded_chunks} chunks embedded in "
                f"{self.seconds:.1f} s")


class VectorIndex:
    """Chunks, their unit vectors (one row each) and the hash of each indexed file."""

    def __init__(self, chunks: list[Chunk] | None = None, vectors: np.ndarray | None = None,
                 hashes: dict[str, str] | None = None, model: str = MODEL_NAME) -> None:
        self.chunks = list(chunks or [])
        self.vectors = (np.zeros((0, DIMENSIONS), dtype=np.float32) if vectors is None
                        else np.asarray(vectors, dtype=np.float32))
        self.hashes = dict(hashes or {})
        self.model = model
        if len(self.chunks) != len(self.vectors):
            raise ValueError(f"{len(self.chunks)} chunks but {len(self.vectors)} vectors")

    def __len__(self) -> int:
        return len(self.chunks)

    # --- building ---------------------------------------------------------------------------
    def update(self, root: Path, files: list[Path], embedder: Embedder = embed,
               progress: bool = True) -> UpdateStats:
        """Make the index match `files` (under `root`): embed new and changed files only."""
        started = time.perf_counter()
        root = Path(root)
        stats = UpdateStats()
        by_path: dict[str, list[int]] = {}
        for row, chunk in enumerate(self.chunks):
            by_path.setdefault(chunk.path, []).append(row)
        keep_rows: list[int] = []
        fresh: list[Chunk] = []
        hashes: dict[str, str] = {}
        for file in files:
            relative = file.relative_to(root).as_posix()
            try:
                data = file.read_bytes()
            except OSError:
                continue
            digest = file_hash(data)
            hashes[relative] = digest
            if self.hashes.get(relative) == digest:
                keep_rows += by_path.get(relative, [])
                stats.unchanged += 1
                continue
            (stats.changed if relative in self.hashes else stats.added).append(relative)
            text = read_text(file)
            if text is not None:
                fresh += chunk_file(relative, text)
        stats.removed = sorted(set(self.hashes) - set(hashes))
        new_vectors = self._embed_all([c.embed_text() for c in fresh], embedder, progress)
        self.chunks = [self.chunks[r] for r in keep_rows] + fresh
        self.vectors = np.concatenate([self.vectors[keep_rows], new_vectors]).astype(np.float32)
        self.hashes = hashes
        stats.embedded_chunks = len(fresh)
        stats.seconds = time.perf_counter() - started
        return stats

    @staticmethod
    def _embed_all(texts: list[str], embedder: Embedder, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        parts = []
        with tqdm(total=len(texts), desc="embedding chunks", unit="chunk",
                  disable=not progress) as bar:
            for i in range(0, len(texts), EMBED_BATCH):
                parts.append(embedder(texts[i:i + EMBED_BATCH]))
                bar.update(len(parts[-1]))
        return np.concatenate(parts).astype(np.float32)

    # --- searching --------------------------------------------------------------------------
    def search(self, query: np.ndarray, k: int = 5) -> list[tuple[int, float]]:
        """The k rows most similar to a unit query vector: (row, cosine), best first."""
        if not len(self.chunks) or k <= 0:
            return []
        with BLAS.limit(limits=1, user_api="blas"):
            scores = self.vectors @ np.asarray(query, dtype=np.float32)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(row), float(scores[row])) for row in top]

    # --- saving -----------------------------------------------------------------------------
    def save(self, path: Path) -> int:
        """Write the index to one .npz, atomically; returns its size in bytes."""
        meta = {"settings": SETTINGS, "model": self.model, "hashes": self.hashes,
                "chunks": [c.as_dict() for c in self.chunks]}
        buffer = io.BytesIO()
        np.savez(buffer, vectors=self.vectors,
                 meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8))
        data = buffer.getvalue()
        atomic_write_bytes(path, data)
        return len(data)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """The index saved at `path`; an empty one when there is none, or when it was written
        with other settings (then everything is embedded again)."""
        path = Path(path)
        if not path.is_file():
            return cls()
        try:
            with np.load(path, allow_pickle=False) as saved:
                vectors = saved["vectors"]
                meta = json.loads(saved["meta"].tobytes().decode("utf-8"))
        except (OSError, ValueError, KeyError):
            return cls()  # unreadable: rebuilding is the repair
        if meta.get("settings") != SETTINGS:
            return cls()
        chunks = [Chunk(**c) for c in meta["chunks"]]
        return cls(chunks, vectors, meta["hashes"], meta["model"])
