"""semantic_search as an agent tool: a plain function in the ToolRegistry, index kept up to date."""

from __future__ import annotations

from pathlib import Path

from retrieval_corpus import write_corpus

from shared.agent import ToolRegistry
from shared.retrieval.search_tool import retrieval_tools


def test_semantic_search_is_a_registry_tool_that_finds_code_by_meaning(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "ws")
    registry = ToolRegistry(retrieval_tools(root))
    schema = registry.tools["semantic_search"].schema
    assert set(schema["parameters"]["properties"]) == {"query", "k", "method"}
    assert schema["parameters"]["required"] == ["query"]

    observation = registry.run("semantic_search", {"query": "wipe out a folder with everything inside", "k": 2})
    assert observation.ok, observation.text
    first = observation.text.splitlines()[0]
    assert first.startswith("1. storage/cleanup.py:") and "remove_tree (function)" in first
    assert (root / ".agentlab" / "semantic-index.npz").is_file()


def test_the_tool_sees_edits_and_answers_bad_calls_in_a_sentence(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "ws")
    registry = ToolRegistry(retrieval_tools(root))
    registry.run("semantic_search", {"query": "average"})
    (root / "stats" / "colours.py").write_text(
        'def to_hex(red, green, blue):\n    """Turn RGB components into a #rrggbb web colour."""\n'
        '    return f"#{red:02x}{green:02x}{blue:02x}"\n')
    observation = registry.run("semantic_search", {"query": "convert a colour to its html code", "k": 1})
    assert "stats/colours.py:1-3  to_hex" in observation.text

    refused = registry.run("semantic_search", {"query": "x", "method": "fuzzy"})
    assert refused.kind == "error" and "hybrid" in refused.text
    empty = registry.run("semantic_search", {"query": "  "})
    assert empty.kind == "error" and "empty" in empty.text
