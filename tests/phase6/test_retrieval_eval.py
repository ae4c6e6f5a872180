"""The labelled queries and the evaluation: labels that exist, queries without the answer's words,
metrics computed as defined, and grep as the baseline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from retrieval_corpus import write_corpus

from shared.retrieval.chunker import Chunk, chunk_files, source_files
from shared.retrieval.evaluate import (
    LabelledQuery,
    MethodResult,
    first_relevant_rank,
    is_relevant,
    load_queries,
    missing_targets,
    report_markdown,
    stdlib_corpus,
    wins,
)
from shared.retrieval.grep_baseline import grep_rank, query_words
from shared.retrieval.keyword_index import split_identifiers


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stdlib_corpus(tmp_path_factory.mktemp("stdlib"))


def test_at_least_30_queries_and_every_target_is_a_chunk_of_the_corpus(corpus: Path) -> None:
    modules, queries = load_queries()
    assert len(queries) >= 30
    assert sorted(p.relative_to(corpus).as_posix() for p in source_files(corpus)) == sorted(modules)
    assert missing_targets(chunk_files(corpus, source_files(corpus)), queries) == []


def test_no_query_uses_the_words_of_its_first_target() -> None:
    for q in load_queries()[1]:
        name = q.targets[0].partition("::")[2].split(".")[-1]
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", split_identifiers(name)) if len(w) > 2}
        words.add(name.lower())
        said = set(re.findall(r"[a-z0-9]+", q.query.lower()))
        assert not (words & said), f"{q.query!r} says {words & said} of {name}"


def test_relevance_accepts_the_target_and_the_methods_of_a_target_class() -> None:
    method = Chunk("pathlib.py", 1, 2, "method", "PurePath.stem", "")
    assert is_relevant(method, ("pathlib.py::PurePath",))
    assert is_relevant(method, ("pathlib.py::PurePath.stem",))
    assert not is_relevant(method, ("pathlib.py::PurePathX",))
    assert not is_relevant(method, ("other.py::PurePath",))
    chunks = [Chunk("a.py", 1, 1, "function", n, "") for n in ("f", "g", "h")]
    assert first_relevant_rank([0, 2, 1], chunks, ("a.py::h",)) == 2
    assert first_relevant_rank([0, 1], chunks, ("a.py::h",)) == 0


def test_recall_and_mrr_are_computed_as_defined() -> None:
    result = MethodResult("m", [1, 2, 6, 0])
    assert result.recall == pytest.approx(2 / 4)
    assert result.mrr == pytest.approx((1 + 1 / 2 + 1 / 6) / 4)
    results = {"a": MethodResult("a", [1, 0, 3]), "b": MethodResult("b", [0, 2, 9])}
    assert wins(results, "a", "b") == [0, 2] and wins(results, "b", "a") == [1]
    queries = [LabelledQuery(f"q{i}", ("x.py::f",)) for i in range(3)]
    text = report_markdown(results, queries, "test")
    assert "| a | 0.67 |" in text and "**b** finds, **a** misses (1): \"q1\"" in text


def test_grep_ranks_chunks_by_the_number_of_query_words_they_hold(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "code")
    chunks = chunk_files(root, source_files(root))
    assert query_words("Delete the directory and its file") == ["delete", "directory", "file"]
    ranked = grep_rank(root, chunks, "delete the directory and every file", k=5)
    assert chunks[ranked[0][0]].name == "remove_tree"
    assert grep_rank(root, chunks, "erase everything beneath", k=5) == []  # grep needs the words
    assert grep_rank(root, chunks, "the a of", k=5) == []
    python = grep_rank(root, chunks, "stored hash value", k=5, engine="python")
    assert python and chunks[python[0][0]].name == "verify_password"
