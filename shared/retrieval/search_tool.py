"""`semantic_search`: the agent's tool for finding code by what it does, not by its words.

    registry = ToolRegistry([*other_tools, *retrieval_tools(workspace)])
    registry.run("semantic_search", {"query": "where are passwords checked?"})
    # 1. service/auth.py:12-30  verify_login (function)
    #    def verify_login(name, password):
    # ...

A plain function with a docstring, like every tool (shared.agent.registry reads its schema from
the signature). The index of the workspace is kept in `index_path` (default:
<workspace>/.agentlab/semantic-index.npz, hidden from list_files and search_files) and brought
up to date before every query: files the agent edited since are embedded again, the rest are not.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shared.agent import ToolError

from .retriever import METHODS, Hit, Retriever

SHOWN_LINES = 3  # lines of each hit shown under its location


def format_hits(hits: list[Hit], lines: int = SHOWN_LINES) -> str:
    """`1. path:start-end  name (kind)` and the first lines of each hit, best first."""
    if not hits:
        return "no matches"
    out = []
    for number, hit in enumerate(hits, start=1):
        c = hit.chunk
        out.append(f"{number}. {c.path}:{c.start}-{c.end}  {c.name} ({c.kind})")
        body = [line for line in c.text.splitlines() if line.strip()][:lines]
        out += [f"   {line[:160]}" for line in body]
    out.append("[read_file(path, start, end) shows a hit in full]")
    return "\n".join(out)


def retrieval_tools(workspace: Path, index_path: Path | None = None,
                    progress: bool = False) -> list[Callable[..., str]]:
    """[semantic_search], bound to `workspace` (indexed on the first call, updated on each)."""
    root = Path(workspace).resolve()
    where = Path(index_path) if index_path else root / ".agentlab" / "semantic-index.npz"
    state: dict[str, Retriever] = {}

    def semantic_search(query: str, k: int = 5, method: str = "hybrid") -> str:
        """Find the code or text of the workspace that matches a description, even when it
        uses other words (e.g. "where is the user's password checked?").

        Args:
            query: what you are looking for, in plain words.
            k: how many results to show (1 to 20).
            method: hybrid (meaning and keywords, the default), semantic (meaning only) or
                bm25 (keywords only).
        """
        if method not in METHODS:
            raise ToolError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
        if not query.strip():
            raise ToolError("the query is empty: describe what you are looking for")
        if "retriever" not in state:
            state["retriever"] = Retriever.open(root, where, progress=progress)
        else:
            state["retriever"].refresh(root, where)
        return format_hits(state["retriever"].search(query, method, min(max(k, 1), 20)))

    return [semantic_search]
