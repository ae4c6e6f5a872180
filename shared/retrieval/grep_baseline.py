"""The baseline every other method must beat: grep for the words of the question.

    rows = grep_rank(root, chunks, "delete a folder with all its files", k=10)

What a person does without an index: search the files for the question's words (stop words and
words under three letters left out) with phase 4's search (ripgrep, or the same walk in Python),
then look first at the places where the most different words appear. Here each matching line is
credited to the chunks that hold it, and chunks are ranked by how many different query words
they contain, then by how many matching lines.
"""

from __future__ import annotations

import re
from pathlib import Path

from bm25s.stopwords import STOPWORDS_EN_PLUS

from shared.tools.search import SearchError, search

from .chunker import Chunk

MIN_WORD = 3


def query_words(query: str) -> list[str]:
    """The words grep looks for: lower case, no stop words, three letters or more, no repeats."""
    words = re.findall(r"[a-z0-9]+", query.lower())
    return list(dict.fromkeys(w for w in words if len(w) >= MIN_WORD and w not in STOPWORDS_EN_PLUS))


def grep_rank(root: Path, chunks: list[Chunk], query: str, k: int = 10,
              engine: str = "auto") -> list[tuple[int, float]]:
    """The k chunks (row, score) where grep finds the most different query words, best first."""
    words = query_words(query)
    if not words:
        return []
    pattern = "|".join(re.escape(w) for w in words)
    try:
        hits = search(Path(root), pattern, ignore_case=True, engine=engine)
    except SearchError:
        return []
    rows_by_path: dict[str, list[int]] = {}
    for row, chunk in enumerate(chunks):
        rows_by_path.setdefault(chunk.path, []).append(row)
    found: dict[int, set[str]] = {}
    lines: dict[int, int] = {}
    finder = re.compile(pattern, re.IGNORECASE)
    for hit in hits:
        if not hit.match:
            continue
        matched = {m.lower() for m in finder.findall(hit.text)}
        for row in rows_by_path.get(hit.path, []):
            if chunks[row].start <= hit.line <= chunks[row].end:
                found.setdefault(row, set()).update(matched)
                lines[row] = lines.get(row, 0) + 1
    ranked = sorted(found, key=lambda row: (-len(found[row]), -lines[row], row))[:k]
    return [(row, len(found[row]) + lines[row] / (1 + lines[row])) for row in ranked]
