"""Answer a question from retrieved chunks, with citations a reader (or a test) can check.

    answer = answer_question("How far ahead must I book?", retriever, llm)
    print(answer.render())
    # Book the large Dobsonian at least 48 hours in advance [1].
    #
    # Sources:
    # [1] bookings.md:7-8

1. Retrieve: the best cosine between the question and any chunk decides whether the documents
   speak about the question at all; below THRESHOLD the answer is NOT_FOUND and no model runs.
2. Generate: the model sees numbered sources (file and lines): the chunk that passed the
   threshold, then the best hybrid hits; it must answer from them only, citing [n] after each
   claim, or say NOT_FOUND.
3. Cite: every [n] in the reply becomes file:start-end of source n. A number that names no
   source is dropped; a reply that cites nothing is attributed to the source that shares the
   most words with it (marked "inferred"), so every answer still points at lines to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .chunker import Chunk
from .embeddings import embed_query
from .retriever import Retriever

NOT_FOUND = "not found in the documents"
# Calibrated on fixtures/handbook_questions.json with all-MiniLM-L6-v2 (`python -m
# phase6_multiagent_rag.ask --calibrate=1`): the best cosine of the 12 answerable questions was
# 0.41-0.72, of the 12 unrelated ones 0.01-0.16. The middle of that gap is 0.28; rounded down
# to 0.25, because a missed answer costs more than a model call that can still say "not found".
# The threshold tells off-topic questions from on-topic ones; an on-topic question that the
# documents do not answer passes it, and the model's own "not found" is the second gate.
THRESHOLD = 0.25
SOURCES = 3           # chunks shown to the model
MAX_ANSWER_TOKENS = 200
CITATION = re.compile(r"\[(\d+)\]")

SYSTEM_PROMPT = (
    "You answer questions using only the numbered sources you are given. Answer in one to "
    "three short sentences, and after each sentence put the number of the source that "
    "supports it in square brackets, like [1]. Do not use anything you know from elsewhere. "
    f"If the sources do not answer the question, reply exactly: {NOT_FOUND}.\n\n"
    # One worked example of a small inference. Measured with the embedded 0.5B on the handbook:
    # without it "what kind of torch may I use?" got "not found" and the cafe question (not in
    # the documents) an invented answer; with it both came out right. "What happens if I cancel
    # late?" and "can children come?" still get "not found": the 0.5B's limit, not retrieval's.
    "Example.\nSources:\n[1] rules.md, lines 3-4:\nThe library closes at 6 pm on weekdays.\n"
    "[2] rules.md, lines 6-7:\nBooks may be borrowed for three weeks.\n"
    "Question: Can I study in the library at 8 in the evening on a Tuesday?\n"
    "Answer: No, the library closes at 6 pm on weekdays [1].")


@dataclass
class Citation:
    number: int      # the source's number in the prompt
    path: str
    start: int
    end: int
    inferred: bool = False  # the model cited nothing: this is the source closest to its words

    def where(self) -> str:
        return f"{self.path}:{self.start}-{self.end}"


@dataclass
class Answer:
    question: str
    text: str
    found: bool
    citations: list[Citation] = field(default_factory=list)
    best_cosine: float = 0.0
    sources: list[Chunk] = field(default_factory=list)

    def render(self) -> str:
        if not self.found:
            return f"{NOT_FOUND.capitalize()} (best match: cosine {self.best_cosine:.2f})."
        lines = [self.text, "", "Sources:"]
        lines += [f"[{c.number}] {c.where()}{' (inferred: the answer cites no source)' if c.inferred else ''}"
                  for c in self.citations]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.text, "found": self.found,
                "best_cosine": round(self.best_cosine, 4),
                "citations": [{"path": c.path, "start": c.start, "end": c.end,
                               "inferred": c.inferred} for c in self.citations]}


def build_messages(question: str, sources: list[Chunk]) -> list[dict[str, str]]:
    """The system prompt and one user message with the numbered sources and the question."""
    blocks = [f"[{n}] {c.path}, lines {c.start}-{c.end}:\n{c.text}"
              for n, c in enumerate(sources, start=1)]
    user = "Sources:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def cite(reply: str, sources: list[Chunk]) -> list[Citation]:
    """The sources the reply cites by number, in order; or the closest source, inferred."""
    numbers = [int(n) for n in CITATION.findall(reply)]
    cited = list(dict.fromkeys(n for n in numbers if 1 <= n <= len(sources)))
    if cited:
        return [Citation(n, sources[n - 1].path, sources[n - 1].start, sources[n - 1].end)
                for n in cited]
    if not sources:
        return []
    said = words(reply)
    n = max(range(len(sources)), key=lambda i: (len(said & words(sources[i].text)), -i)) + 1
    return [Citation(n, sources[n - 1].path, sources[n - 1].start, sources[n - 1].end, True)]


def answer_question(question: str, retriever: Retriever, llm: Any, threshold: float = THRESHOLD,
                    k: int = SOURCES, **options: Any) -> Answer:
    """Retrieve, refuse below the threshold, else let `llm` answer from the sources and cite."""
    vector = embed_query(question)
    best = retriever.search(question, "semantic", 1, query_vector=vector)
    best_cosine = best[0].cosine if best else 0.0
    if best_cosine < threshold:
        return Answer(question, NOT_FOUND, False, best_cosine=best_cosine)
    # The chunk that passed the threshold always goes first: BM25 can push a chunk that shares
    # no word with the question (torch / torches) out of the hybrid's top k.
    hybrid = [hit.chunk for hit in retriever.search(question, "hybrid", k, query_vector=vector)]
    sources = [best[0].chunk] + [c for c in hybrid if c != best[0].chunk][:max(0, k - 1)]
    options = {"temperature": 0.0, "max_tokens": MAX_ANSWER_TOKENS, **options}
    reply = llm.chat(build_messages(question, sources), **options).content.strip()
    if not reply or NOT_FOUND in reply.lower():
        return Answer(question, NOT_FOUND, False, best_cosine=best_cosine, sources=sources)
    return Answer(question, reply, True, cite(reply, sources), best_cosine, sources)


def lines_of(root: Path, citation: Citation) -> str:
    """The text of the cited lines (to check a citation against its file)."""
    lines = (Path(root) / citation.path).read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[citation.start - 1:citation.end])


def supports(cited_text: str, support: str) -> bool:
    """Whether cited lines contain the supporting words (whitespace and case ignored)."""
    def flat(text: str) -> str:
        return " ".join(text.lower().split())

    return flat(support) in flat(cited_text)
