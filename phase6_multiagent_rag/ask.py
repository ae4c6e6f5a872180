"""Ask a question about a folder of markdown and text files; the answer cites file and lines.

    python -m phase6_multiagent_rag.ask "How far ahead must I book?" --docs phase6_multiagent_rag/fixtures/handbook
    python -m phase6_multiagent_rag.ask "What is the capital of Australia?" --docs DIR   # not found
    python -m phase6_multiagent_rag.ask --calibrate=1      # measure the not-found threshold again

The folder is indexed on first use (runs/phase6/ask-index/, one index per folder; see
shared.retrieval.documents, which `agentlab ask` uses too) and only
changed files are embedded again afterwards. Answers come from the project's LLM (the embedded
model unless settings say otherwise), written from the retrieved chunks only; when no chunk is
similar enough to the question (cosine below --threshold), the answer is "not found in the
documents" and the model is not asked at all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shared.cli import UsageError, parse_overrides, run_main
from shared.retrieval.answer import SOURCES, THRESHOLD
from shared.retrieval.calibration import calibrate
from shared.retrieval.documents import ask_docs, open_docs

HERE = Path(__file__).resolve().parent
HANDBOOK = HERE / "fixtures" / "handbook"
HANDBOOK_QUESTIONS = HERE / "fixtures" / "handbook_questions.json"

docs = ""
k = SOURCES
threshold = THRESHOLD
calibrate_threshold = False
as_json = False
DEFAULTS: dict[str, Any] = {"docs": docs, "k": k, "threshold": threshold,
                            "calibrate": calibrate_threshold, "json": as_json}


def handbook_calibration() -> dict:
    """The threshold measured on the handbook fixture's answerable and unrelated questions."""
    data = json.loads(HANDBOOK_QUESTIONS.read_text(encoding="utf-8"))
    retriever = open_docs(HANDBOOK, progress=False)
    return calibrate(retriever, [q["question"] for q in data["answerable"]], data["unrelated"])


def split_question(argv: list[str]) -> tuple[str, list[str]]:
    """(the question: the words that are not options, the options)."""
    words, options = [], []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg.startswith("-"):
            options.append(arg)
            name = arg.lstrip("-").partition("=")[0].replace("-", "_")
            takes_value = not isinstance(DEFAULTS.get(name, False), bool)
            if "=" not in arg and takes_value and args:
                options.append(args.pop(0))
        else:
            words.append(arg)
    return " ".join(words).strip(), options


def main(argv: list[str] | None = None) -> int:
    question, options = split_question(sys.argv[1:] if argv is None else argv)
    o = parse_overrides(options, DEFAULTS, doc=__doc__)
    if o["calibrate"]:
        figures = handbook_calibration()
        print(json.dumps(figures, indent=2))
        print(f"threshold in use: {THRESHOLD}; measured middle of the gap: {figures['threshold']}")
        return 0
    if not question:
        raise UsageError('ask a question: python -m phase6_multiagent_rag.ask "your question" --docs DIR')
    if not o["docs"]:
        raise UsageError("--docs is needed: the folder of markdown and text files to answer from.")
    from shared.llm import get_llm

    answer = ask_docs(question, Path(o["docs"]), get_llm(verbose=not o["json"]),
                      threshold=o["threshold"], k=o["k"])
    print(json.dumps(answer.as_dict(), indent=2) if o["json"] else answer.render())
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
