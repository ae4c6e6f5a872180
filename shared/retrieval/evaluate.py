"""Retrieval evaluation: labelled queries, recall@k and MRR for grep, BM25, semantic and hybrid.

    corpus = stdlib_corpus(Path("runs/phase6/stdlib"))         # copies the fixed module list
    retriever = Retriever.open(corpus, Path("runs/phase6/stdlib.npz"))
    results = evaluate(retriever, corpus, load_queries())
    print(summary_table(results)); print(wins_table(results))

- recall@5: the share of queries with a right chunk among the first five results;
- MRR: the mean over queries of 1 / the rank of the first right chunk (0 when it is not in the
  first ten: MRR@10).
A chunk is right when it lies in a target's file and bears the target's name, or is a method
of a target class (`pathlib.py::PurePath` accepts `PurePath.stem`).
"""

from __future__ import annotations

import json
import shutil
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .chunker import Chunk
from .embeddings import embed
from .grep_baseline import grep_rank
from .hybrid import TEXTBOOK_K
from .retriever import Retriever

QUERIES_FILE = Path(__file__).with_name("stdlib_queries.json")
METHODS = ("grep", "bm25", "semantic", "hybrid")
TEXTBOOK_HYBRID = "hybrid-rrf60"  # the paper's fusion (K = 60, equal weights), for comparison
ALL_METHODS = (*METHODS, TEXTBOOK_HYBRID)
RECALL_AT = 5
DEPTH = 10  # ranks looked at for MRR


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    targets: tuple[str, ...]  # "path::Name"


@dataclass
class MethodResult:
    """One method's ranks (1-based; 0 = not in the first DEPTH) per query, and its metrics."""

    method: str
    ranks: list[int] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return sum(0 < r <= RECALL_AT for r in self.ranks) / max(1, len(self.ranks))

    @property
    def mrr(self) -> float:
        return sum(1 / r for r in self.ranks if r) / max(1, len(self.ranks))


def load_queries(path: Path = QUERIES_FILE) -> tuple[list[str], list[LabelledQuery]]:
    """(the corpus's module paths, the labelled queries) from the JSON file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    queries = [LabelledQuery(q["query"], tuple(q["targets"])) for q in data["queries"]]
    return list(data["modules"]), queries


def stdlib_corpus(folder: Path, modules: list[str] | None = None) -> Path:
    """Copy the listed standard library modules into `folder` (relative paths kept) when a copy
    differs, so that grep, BM25 and the embeddings all see exactly these files. Returns folder."""
    modules = load_queries()[0] if modules is None else modules
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    folder = Path(folder)
    for module in modules:
        source, copy = stdlib / module, folder / module
        if not source.is_file():
            raise FileNotFoundError(f"the standard library of this Python has no {module}")
        if not copy.is_file() or copy.read_bytes() != source.read_bytes():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
    return folder


def is_relevant(chunk: Chunk, targets: tuple[str, ...]) -> bool:
    for target in targets:
        path, _, name = target.partition("::")
        if chunk.path == path and (chunk.name == name or chunk.name.startswith(name + ".")):
            return True
    return False


def missing_targets(chunks: list[Chunk], queries: list[LabelledQuery]) -> list[str]:
    """Targets no chunk answers to (a label that cannot be found is a broken label)."""
    return [t for q in queries for t in q.targets if not any(is_relevant(c, (t,)) for c in chunks)]


def first_relevant_rank(rows: list[int], chunks: list[Chunk], targets: tuple[str, ...]) -> int:
    for rank, row in enumerate(rows[:DEPTH], start=1):
        if is_relevant(chunks[row], targets):
            return rank
    return 0


def ranked_rows(retriever: Retriever, root: Path, query: str, method: str,
                vector: Any = None) -> list[int]:
    """The first DEPTH rows of one method for one query."""
    if method == "grep":
        return [row for row, _ in grep_rank(root, retriever.chunks, query, DEPTH)]
    if method == TEXTBOOK_HYBRID:
        hits = retriever.search(query, "hybrid", DEPTH, query_vector=vector, rrf_k=TEXTBOOK_K,
                                bm25_weight=1.0)
        return [hit.row for hit in hits]
    return [hit.row for hit in retriever.search(query, method, DEPTH, query_vector=vector)]


def evaluate(retriever: Retriever, root: Path, queries: list[LabelledQuery],
             methods: tuple[str, ...] = METHODS) -> dict[str, MethodResult]:
    """Each method's rank of the first right chunk for every query."""
    vectors = embed([q.query for q in queries])  # one batch for all the queries
    results = {m: MethodResult(m) for m in methods}
    for query, vector in zip(queries, vectors, strict=True):
        for method in methods:
            rows = ranked_rows(retriever, root, query.query, method, vector)
            results[method].ranks.append(first_relevant_rank(rows, retriever.chunks, query.targets))
    return results


def found(rank: int) -> bool:
    return 0 < rank <= RECALL_AT


def wins(results: dict[str, MethodResult], method: str, against: str) -> list[int]:
    """Indices of the queries `method` finds in its top 5 and `against` does not."""
    a, b = results[method].ranks, results[against].ranks
    return [i for i in range(len(a)) if found(a[i]) and not found(b[i])]


def summary_table(results: dict[str, MethodResult]) -> str:
    """A markdown table: method, recall@5, MRR@10, queries found."""
    rows = ["| method | recall@5 | MRR@10 | found in top 5 |", "| --- | --- | --- | --- |"]
    for r in results.values():
        hits = sum(found(x) for x in r.ranks)
        rows.append(f"| {r.method} | {r.recall:.2f} | {r.mrr:.2f} | {hits} of {len(r.ranks)} |")
    return "\n".join(rows)


def per_query_table(results: dict[str, MethodResult], queries: list[LabelledQuery]) -> str:
    """A markdown table of the rank each method gave each query's target (- : not in top 10)."""
    methods = list(results)
    rows = ["| query | target | " + " | ".join(methods) + " |",
            "| --- | --- |" + " --- |" * len(methods)]
    for i, q in enumerate(queries):
        ranks = " | ".join(str(results[m].ranks[i] or "-") for m in methods)
        rows.append(f"| {q.query} | {q.targets[0]} | {ranks} |")
    return "\n".join(rows)


def wins_table(results: dict[str, MethodResult], queries: list[LabelledQuery]) -> str:
    """For each pair of methods: the queries one finds in its top 5 and the other does not."""
    out = []
    methods = list(results)
    for method in methods:
        for other in methods:
            if other == method:
                continue
            won = wins(results, method, other)
            if won:
                out.append(f"- **{method}** finds, **{other}** misses ({len(won)}): "
                           + "; ".join(f"\"{queries[i].query}\"" for i in won))
    return "\n".join(out) or "- no method finds a query that another misses"


def report_markdown(results: dict[str, MethodResult], queries: list[LabelledQuery],
                    corpus: str) -> str:
    """The comparison: the summary, where each method wins, and every query's ranks."""
    return "\n\n".join([
        "# Retrieval comparison", f"Corpus: {corpus}. {len(queries)} labelled queries.",
        "## Recall@5 and MRR", summary_table(results),
        "## Where each method wins", wins_table(results, queries),
        "## Rank of the first right chunk per query", per_query_table(results, queries)]) + "\n"
