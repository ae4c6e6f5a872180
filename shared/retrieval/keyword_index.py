"""Keyword search with BM25 (the `bm25s` library) over the same chunks as the vector index.

    keywords = KeywordIndex(index.chunks)
    keywords.search("parse json string", k=5)    # [(row, bm25 score), ...], best first

BM25 scores a chunk by the query words it contains, weighting rare words up and long chunks
down. Code names glue words together (`raw_decode`, `JSONDecoder`), so before bm25s tokenizes,
identifiers are split at underscores and case changes: "JSONDecoder.raw_decode" is read as
"JSON Decoder raw decode", and a query that says "decode" can match it. English stop words are
dropped (bm25s's list). The index lives in memory: building it takes well under a second per
thousand chunks, so it is rebuilt from the chunks rather than saved.
"""

from __future__ import annotations

import re

import bm25s
import numpy as np

from .chunker import Chunk

CASE_CHANGE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def split_identifiers(text: str) -> str:
    """`JSONDecoder.raw_decode` -> `JSON Decoder raw decode`."""
    return CASE_CHANGE.sub(" ", text).replace("_", " ")


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-case word tokens without English stop words, identifiers split (bm25s.tokenize)."""
    return bm25s.tokenize([split_identifiers(t) for t in texts], stopwords="en",
                          return_ids=False, show_progress=False)


class KeywordIndex:
    """A BM25 index of chunks; rows are the chunks' positions in the list given."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.size = len(chunks)
        self.retriever = bm25s.BM25()
        if chunks:
            self.retriever.index(tokenize([c.embed_text() for c in chunks]), show_progress=False)

    def __len__(self) -> int:
        return self.size

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every chunk for `query` (zeros when no query word is indexed)."""
        if not self.size:
            return np.zeros(0, dtype=np.float32)
        tokens = [t for t in tokenize([query])[0] if t in self.retriever.vocab_dict]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(tokens), dtype=np.float32)

    def search(self, query: str, k: int = 5) -> list[tuple[int, float]]:
        """The k best chunks with a score above zero: (row, score), best first."""
        scores = self.scores(query)
        k = min(k, int((scores > 0).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(row), float(scores[row])) for row in top]
