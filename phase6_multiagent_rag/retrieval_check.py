"""The retrieval half of phase 6's definition of done, as check lines for phase6's check.py.

    from phase6_multiagent_rag.retrieval_check import retrieval_check_lines
    for line in retrieval_check_lines(llm):      # shared.check_report.CheckLine items
        report.lines.append(line)

1. On the labelled standard-library queries, semantic or hybrid search finds the right code in
   its top 5 where grep over the question's words does not (at least MIN_WINS queries), and
   does better than grep on recall@5 overall.
2. The comparison tables (recall@5, MRR, where each method wins, every query's ranks) are
   written to <runs>/phase6/retrieval-comparison.md and .json.
3. `ask` on the handbook fixture answers with citations whose lines hold the supporting text
   (the questions marked "check" in fixtures/handbook_questions.json).
4. `ask` says "not found in the documents" to a question the handbook has nothing on.
3 and 4 run the configured LLM (the embedded model by default).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.atomic_write import atomic_write_text
from shared.check_report import CheckLine
from shared.retrieval.answer import answer_question, lines_of, supports
from shared.retrieval.documents import open_docs
from shared.retrieval.evaluate import (
    ALL_METHODS,
    evaluate,
    load_queries,
    missing_targets,
    report_markdown,
    stdlib_corpus,
    wins,
)
from shared.retrieval.retriever import Retriever
from shared.trajectory import runs_root

from .ask import HANDBOOK, HANDBOOK_QUESTIONS

MIN_WINS = 5  # queries semantic or hybrid finds and grep misses
UNRELATED_QUESTION = "What is the capital of Australia?"


def stdlib_retriever(progress: bool = True) -> tuple[Path, Retriever]:
    """The labelled corpus (copied into <runs>/phase6/stdlib-corpus) and its saved index."""
    folder = runs_root() / "phase6"
    corpus = stdlib_corpus(folder / "stdlib-corpus")
    return corpus, Retriever.open(corpus, folder / "stdlib-index.npz", progress=progress)


def comparison(progress: bool = True) -> tuple[dict[str, Any], Path]:
    """Evaluate every method on the labelled queries; write the tables; (figures, markdown path)."""
    corpus, retriever = stdlib_retriever(progress)
    _modules, queries = load_queries()
    broken = missing_targets(retriever.chunks, queries)
    if broken:
        raise ValueError(f"labelled targets not in the corpus: {', '.join(broken)}")
    results = evaluate(retriever, corpus, queries, ALL_METHODS)
    figures = {
        "queries": len(queries), "chunks": len(retriever.chunks),
        "methods": {m: {"recall@5": round(r.recall, 3), "mrr@10": round(r.mrr, 3), "ranks": r.ranks}
                    for m, r in results.items()},
        "semantic_beats_grep": wins(results, "semantic", "grep"),
        "hybrid_beats_grep": wins(results, "hybrid", "grep"),
        "grep_beats_hybrid": wins(results, "grep", "hybrid"),
    }
    out = runs_root() / "phase6" / "retrieval-comparison.md"
    atomic_write_text(out, report_markdown(results, queries, f"{len(retriever.chunks)} chunks of "
                                           f"{len(retriever.index.hashes)} standard library files"))
    atomic_write_text(out.with_suffix(".json"), json.dumps(figures, indent=2))
    return figures, out


def search_lines(progress: bool = True) -> list[CheckLine]:
    figures, out = comparison(progress)
    m = figures["methods"]
    won = sorted(set(figures["semantic_beats_grep"]) | set(figures["hybrid_beats_grep"]))
    best = max(m["semantic"]["recall@5"], m["hybrid"]["recall@5"])
    lines = [CheckLine(
        "semantic search finds code grep misses", len(won) >= MIN_WINS and best > m["grep"]["recall@5"],
        f"{len(won)} of {figures['queries']} labelled queries found in the top 5 by semantic or "
        f"hybrid search and not by grep; recall@5 grep {m['grep']['recall@5']:.2f}, bm25 "
        f"{m['bm25']['recall@5']:.2f}, semantic {m['semantic']['recall@5']:.2f}, hybrid "
        f"{m['hybrid']['recall@5']:.2f}",
        "the index or the embedding model is off: delete runs/phase6/stdlib-index.npz and run again")]
    text = out.read_text(encoding="utf-8") if out.is_file() else ""
    tables_ok = all(f"| {method} |" in text for method in ALL_METHODS) and "Where each method wins" in text
    lines.append(CheckLine("comparison tables written", tables_ok, f"{out} and {out.with_suffix('.json')}",
                           "the report could not be written: see the error above"))
    return lines


def ask_lines(llm: Any, progress: bool = True) -> list[CheckLine]:
    """Ask answerable questions (citations must hold the supporting text) and an unrelated one."""
    data = json.loads(HANDBOOK_QUESTIONS.read_text(encoding="utf-8"))
    retriever = open_docs(HANDBOOK, progress=progress)
    verified, shown = 0, []
    asked = [item for item in data["answerable"] if item.get("check")]
    for item in asked:
        answer = answer_question(item["question"], retriever, llm)
        good = answer.found and any(
            c.path == item["path"] and supports(lines_of(HANDBOOK, c), item["support"])
            for c in answer.citations)
        verified += good
        shown.append(f"{item['question']!r} -> {', '.join(c.where() for c in answer.citations) or 'no citation'}"
                     f" ({'holds' if good else 'lacks'} {item['support']!r})")
    refused = answer_question(UNRELATED_QUESTION, retriever, llm)
    return [
        CheckLine("ask cites the supporting lines", bool(asked) and verified == len(asked),
                  f"{verified} of {len(asked)} answers cite lines holding the supporting text: "
                  + "; ".join(shown),
                  "run `python -m phase6_multiagent_rag.ask \"...\" --docs "
                  "phase6_multiagent_rag/fixtures/handbook` and read the sources it was given"),
        CheckLine("ask says not found on an unrelated question", not refused.found,
                  f"{UNRELATED_QUESTION!r}: {'not found' if not refused.found else 'answered'} "
                  f"(best cosine {refused.best_cosine:.2f})",
                  "the threshold is too low for these documents: run ask --calibrate=1"),
    ]


def retrieval_check_lines(llm: Any = None, progress: bool = True) -> list[CheckLine]:
    """Every retrieval check line; `llm` defaults to the configured backend."""
    if llm is None:
        from shared.llm import get_llm

        llm = get_llm()
    return search_lines(progress) + ask_lines(llm, progress)
