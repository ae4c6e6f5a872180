"""Measure the retrieval stack: build throughput, query latency by index size, disk size,
incremental re-indexing, and recall@5 / MRR of grep, BM25, semantic and hybrid search.

    python -m phase6_multiagent_rag.bench_retrieval               # about 5 minutes on 2 cores
    python -m phase6_multiagent_rag.bench_retrieval --sizes=1000,10000 --repeats=20

Figures go to <runs>/bench/phase6.json under the key "retrieval" (the file's other keys are
kept), with the comparison tables beside it (phase6-retrieval.md). The index is built from
scratch on the labelled standard-library corpus. Latency at sizes beyond the real chunk count
uses the real vectors (and texts) repeated, each copy with small Gaussian noise and normalised
again: embedding 10,000 and more chunks takes too long on this machine, and a search costs the
same on such vectors as on real ones (a matrix product and a partial sort); the JSON says so.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from shared.atomic_write import atomic_write_text
from shared.cli import parse_overrides, run_main
from shared.retrieval.chunker import Chunk, source_files
from shared.retrieval.embeddings import MAX_TOKENS, MODEL_NAME, embed, load_model
from shared.retrieval.evaluate import (
    ALL_METHODS,
    evaluate,
    load_queries,
    report_markdown,
    stdlib_corpus,
    wins,
)
from shared.retrieval.hybrid import RRF_K
from shared.retrieval.retriever import BM25_WEIGHT, Retriever
from shared.retrieval.vector_index import VectorIndex
from shared.trajectory import runs_root

sizes = "1000,10000,100000"
repeats = 30       # timed queries per size and method (the labelled queries, cycled)
noise = 0.02       # standard deviation per dimension of the copies' noise
out = ""           # default: <runs>/bench/phase6.json
AIM_QUERY_MS = 20.0
CHANGED_FILE = "textwrap.py"


def percentiles(samples_s: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples_s)
    return {"p50_ms": round(statistics.median(ms), 3),
            "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 3)}


def timed(function: Any, arguments: list[Any]) -> list[float]:
    samples = []
    for argument in arguments:
        start = time.perf_counter()
        function(argument)
        samples.append(time.perf_counter() - start)
    return samples


def replicated(index: VectorIndex, size: int, sigma: float, seed: int = 0) -> VectorIndex:
    """An index of `size` rows: the real ones first, then noisy copies of them."""
    rng = np.random.default_rng(seed)
    real = len(index)
    if size <= real:
        return VectorIndex(index.chunks[:size], index.vectors[:size])
    rows = np.arange(size) % real
    vectors = index.vectors[rows] + rng.normal(0, sigma, (size, index.vectors.shape[1])).astype(np.float32)
    vectors[:real] = index.vectors
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chunks = [index.chunks[r] if i < real else Chunk(f"copy{i // real}/{index.chunks[r].path}",
                                                     index.chunks[r].start, index.chunks[r].end,
                                                     index.chunks[r].kind, index.chunks[r].name,
                                                     index.chunks[r].text)
              for i, r in enumerate(rows)]
    return VectorIndex(chunks, vectors)


def latency(index: VectorIndex, queries: list[str], size: int, sigma: float,
            count: int) -> dict[str, Any]:
    """p50/p95 of each step of a query at `size` chunks."""
    grown = replicated(index, size, sigma)
    build_start = time.perf_counter()
    retriever = Retriever(grown)
    bm25_build = time.perf_counter() - build_start
    asked = [queries[i % len(queries)] for i in range(count)]
    vectors = embed(asked)
    pairs = list(zip(asked, vectors, strict=True))
    encode = timed(embed, [[q] for q in asked])
    semantic = timed(lambda v: grown.search(v, 5), list(vectors))
    bm25 = timed(lambda q: retriever.keywords.search(q, 5), asked)
    hybrid = timed(lambda p: retriever.search(p[0], "hybrid", 5, query_vector=p[1]), pairs)
    end_to_end = [e + h for e, h in zip(encode, hybrid, strict=True)]
    return {"chunks": size, "real_chunks": min(size, len(index)),
            "replicated": size > len(index), "bm25_index_build_s": round(bm25_build, 2),
            "encode_query": percentiles(encode), "semantic_search": percentiles(semantic),
            "bm25_search": percentiles(bm25), "hybrid_search": percentiles(hybrid),
            "hybrid_end_to_end": percentiles(end_to_end)}


def reindex_after_one_change(corpus: Path, index: VectorIndex, work: Path) -> dict[str, Any]:
    """Copy the corpus, change one file, time the update and the save."""
    copy = work / "corpus"
    shutil.copytree(corpus, copy)
    copy_index = VectorIndex(index.chunks, index.vectors.copy(), index.hashes)
    changed = copy / CHANGED_FILE
    changed.write_text(changed.read_text(encoding="utf-8")
                       + "\n\ndef shout(text):\n    \"\"\"The text in capitals.\"\"\"\n"
                         "    return text.upper()\n", encoding="utf-8")
    start = time.perf_counter()
    stats = copy_index.update(copy, source_files(copy), progress=False)
    copy_index.save(work / "index.npz")
    seconds = time.perf_counter() - start
    return {"changed_file": CHANGED_FILE, "seconds": round(seconds, 2),
            "chunks_embedded": stats.embedded_chunks, "files_unchanged": stats.unchanged,
            "full_build_chunks": len(index)}


def main(argv: list[str] | None = None) -> int:
    o = parse_overrides(sys.argv[1:] if argv is None else argv,
                        {"sizes": sizes, "repeats": repeats, "noise": noise, "out": out}, doc=__doc__)
    wanted = [int(s) for s in o["sizes"].split(",") if s]
    out_path = Path(o["out"]) if o["out"] else runs_root() / "bench" / "phase6.json"
    corpus = stdlib_corpus(runs_root() / "phase6" / "stdlib-corpus")
    _modules, queries = load_queries()
    load_model()  # loading the model is not part of the build's throughput
    with tempfile.TemporaryDirectory(prefix="phase6-bench-") as tmp:
        work = Path(tmp)
        print("building the index from scratch ...", flush=True)
        index = VectorIndex()
        stats = index.update(corpus, source_files(corpus))
        size_bytes = index.save(work / "index.npz")
        build = {"files": stats.unchanged + len(stats.added), "chunks": len(index),
                 "seconds": round(stats.seconds, 1),
                 "chunks_per_s": round(len(index) / stats.seconds, 1),
                 "index_bytes": size_bytes, "bytes_per_chunk": round(size_bytes / len(index))}
        print(f"{build['chunks']} chunks in {build['seconds']} s ({build['chunks_per_s']} chunks/s), "
              f"{size_bytes / 1e6:.1f} MB on disk", flush=True)
        reindex = reindex_after_one_change(corpus, index, work)
        print(f"re-index after one change: {reindex['seconds']} s, "
              f"{reindex['chunks_embedded']} chunks embedded", flush=True)
    retriever = Retriever(index)
    results = evaluate(retriever, corpus, queries, ALL_METHODS)
    quality = {m: {"recall@5": round(r.recall, 3), "mrr@10": round(r.mrr, 3)} for m, r in results.items()}
    for method, q in quality.items():
        print(f"{method:<13} recall@5 {q['recall@5']:.2f}  MRR@10 {q['mrr@10']:.2f}")
    texts = [q.query for q in queries]
    lat = {}
    for size in wanted:
        lat[str(size)] = latency(index, texts, size, o["noise"], o["repeats"])
        r = lat[str(size)]
        print(f"{size:>7} chunks: encode {r['encode_query']['p50_ms']:.1f} ms, semantic "
              f"{r['semantic_search']['p50_ms']:.2f} ms, bm25 {r['bm25_search']['p50_ms']:.2f} ms, "
              f"hybrid {r['hybrid_search']['p50_ms']:.2f} ms, end to end "
              f"{r['hybrid_end_to_end']['p50_ms']:.1f} ms (p50)", flush=True)
    singles = [quality[m] for m in ("grep", "bm25", "semantic")]
    figures = {
        "model": MODEL_NAME, "max_tokens": MAX_TOKENS, "corpus": f"{len(index.hashes)} Python "
        f"{sys.version_info.major}.{sys.version_info.minor} standard library files",
        "queries": len(queries), "hybrid_fusion": {"rrf_k": RRF_K, "bm25_weight": BM25_WEIGHT},
        "build": build, "reindex_one_file": reindex, "quality": quality,
        "wins": {f"{a}>{b}": len(wins(results, a, b)) for a in ALL_METHODS for b in ALL_METHODS if a != b},
        "latency": lat,
        "latency_note": (f"sizes above {len(index)} chunks repeat the real vectors and texts, each "
                         f"copy with Gaussian noise (sigma {o['noise']} per dimension) and "
                         "normalised again; embedding that many real chunks is too slow here"),
        "aims": {
            "hybrid_at_least_best_single_recall": quality["hybrid"]["recall@5"] >= max(s["recall@5"] for s in singles),
            "hybrid_at_least_best_single_mrr": quality["hybrid"]["mrr@10"] >= max(s["mrr@10"] for s in singles),
        },
        "threads": __import__("torch").get_num_threads(),
    }
    if "10000" in lat:
        p50 = lat["10000"]["hybrid_end_to_end"]["p50_ms"]
        figures["aims"]["query_at_10k_under_20ms"] = p50 < AIM_QUERY_MS
        figures["aims"]["query_at_10k_search_only_under_20ms"] = lat["10000"]["hybrid_search"]["p50_ms"] < AIM_QUERY_MS
    existing: dict[str, Any] = {}
    if out_path.is_file():
        try:
            existing = json.loads(out_path.read_text(encoding="utf-8"))
        except ValueError:
            existing = {}
    existing["retrieval"] = figures
    atomic_write_text(out_path, json.dumps(existing, indent=2))
    tables = out_path.with_name(out_path.stem + "-retrieval.md")
    atomic_write_text(tables, report_markdown(results, queries, figures["corpus"]))
    print(f"aims: {figures['aims']}\nFigures: {out_path} (key 'retrieval'); tables: {tables}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
