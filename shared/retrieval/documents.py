"""Questions about a folder of documents: the folder's saved index, and the cited answer.

    retriever = open_docs(Path("docs"))                  # indexed on first use, then updated
    answer = ask_docs("How far ahead must I book?", Path("docs"), get_llm())
    print(answer.render())                               # the answer, then file:lines citations

One index per folder under <runs>/phase6/ask-index/ (named by a hash of the folder's path);
only changed files are embedded again. `agentlab ask` and phase 6's ask both come here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from shared.cli import UsageError
from shared.llm import ChatBackend
from shared.trajectory import runs_root

from .answer import SOURCES, THRESHOLD, Answer, answer_question
from .retriever import Retriever

DOC_SUFFIXES = {".md", ".txt", ".rst"}


def index_path(folder: Path) -> Path:
    """One saved index per documents folder, named by a hash of its absolute path."""
    digest = hashlib.sha1(str(Path(folder).resolve()).encode()).hexdigest()[:12]
    return runs_root() / "phase6" / "ask-index" / f"{Path(folder).resolve().name}-{digest}.npz"


def open_docs(folder: Path, progress: bool = True) -> Retriever:
    """The retriever over the markdown and text files of `folder` (indexed or updated)."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise UsageError(f"--docs: {folder} is not a folder; give the folder of your documents.")
    retriever = Retriever.open(folder, index_path(folder), suffixes=DOC_SUFFIXES, progress=progress)
    if not retriever.chunks:
        raise UsageError(f"--docs: {folder} holds no .md, .txt or .rst file with text in it.")
    return retriever


def ask_docs(question: str, folder: Path, llm: ChatBackend, *, k: int = SOURCES,
             threshold: float = THRESHOLD, progress: bool = True) -> Answer:
    """Answer `question` from the documents in `folder`, with citations, or "not found"."""
    if not question.strip():
        raise UsageError('ask a question: agentlab ask "your question" --docs DIR')
    return answer_question(question, open_docs(folder, progress=progress), llm,
                           threshold=threshold, k=k)
