"""One object that indexes a folder and searches it three ways: semantic, BM25 and hybrid.

    retriever = Retriever.open(Path("docs"), Path("runs/phase6/docs.npz"))  # builds or updates
    for hit in retriever.search("how are bookings cancelled?", method="hybrid", k=5):
        print(hit.chunk.path, hit.chunk.start, hit.chunk.end, hit.cosine)

`open` loads the saved vector index, brings it up to date with the folder (only new and changed
files are embedded) and saves it again when anything changed. The BM25 index is built in memory
from the same chunks. Every hit carries the query's cosine with its chunk, whatever the method,
so a caller can refuse weak matches (see ask.py's threshold).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunker import Chunk, source_files
from .embeddings import embed_query
from .hybrid import RRF_K, reciprocal_rank_fusion
from .keyword_index import KeywordIndex
from .vector_index import UpdateStats, VectorIndex

METHODS = ("semantic", "bm25", "hybrid")
FUSION_DEPTH = 50  # how deep each ranking goes into the fusion
BM25_WEIGHT = 0.5  # BM25's weight in the fusion, semantic's is 1 (see hybrid.py for why)


@dataclass
class Hit:
    """One search result: the chunk, its score under the method used, and its cosine."""

    chunk: Chunk
    score: float
    cosine: float
    row: int


class Retriever:
    """A vector index and a keyword index over the same chunks."""

    def __init__(self, index: VectorIndex) -> None:
        self.index = index
        self.keywords = KeywordIndex(index.chunks)
        self.last_update: UpdateStats | None = None

    @property
    def chunks(self) -> list[Chunk]:
        return self.index.chunks

    @classmethod
    def open(cls, root: Path, index_path: Path | None = None, suffixes: set[str] | None = None,
             files: list[Path] | None = None, progress: bool = True) -> Retriever:
        """Index `root` (or the given `files` under it), re-using `index_path` when it exists."""
        retriever = cls(VectorIndex.load(index_path) if index_path else VectorIndex())
        retriever.refresh(root, index_path, suffixes, files, progress)
        return retriever

    def refresh(self, root: Path, index_path: Path | None = None, suffixes: set[str] | None = None,
                files: list[Path] | None = None, progress: bool = False) -> UpdateStats:
        """Bring the index up to date with `root` (embedding only new and changed files) and
        save it when anything changed."""
        root = Path(root).resolve()
        files = source_files(root, suffixes) if files is None else files
        stats = self.index.update(root, files, progress=progress)
        changed = bool(stats.added or stats.changed or stats.removed)
        if changed:
            self.keywords = KeywordIndex(self.index.chunks)
        if index_path and (changed or not Path(index_path).is_file()):
            self.index.save(index_path)
        self.last_update = stats
        return stats

    def search(self, query: str, method: str = "hybrid", k: int = 5,
               query_vector: np.ndarray | None = None, rrf_k: int = RRF_K,
               bm25_weight: float = BM25_WEIGHT) -> list[Hit]:
        """The k best chunks for `query` by `method` ("semantic", "bm25" or "hybrid"); rrf_k and
        bm25_weight tune the hybrid's fusion."""
        if method not in METHODS:
            raise ValueError(f"unknown search method {method!r}; choose one of {', '.join(METHODS)}")
        if not self.chunks:
            return []
        vector = embed_query(query) if query_vector is None else query_vector
        if method == "semantic":
            ranked = self.index.search(vector, k)
        elif method == "bm25":
            ranked = self.keywords.search(query, k)
        else:
            semantic = [row for row, _ in self.index.search(vector, FUSION_DEPTH)]
            keyword = [row for row, _ in self.keywords.search(query, FUSION_DEPTH)]
            ranked = reciprocal_rank_fusion([semantic, keyword], rrf_k, [1.0, bm25_weight], limit=k)
        cosines = self.index.vectors[[row for row, _ in ranked]] @ vector if ranked else []
        return [Hit(self.chunks[row], score, float(cos), row)
                for (row, score), cos in zip(ranked, cosines, strict=True)]
