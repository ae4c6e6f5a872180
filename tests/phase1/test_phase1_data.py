"""Lesson 1: the tokenizer and the corpus."""

from __future__ import annotations

import pytest

from phase1_tinylm.data import UNK, CharTokenizer, CorpusError, load_corpus, split_text
from shared.corpus import stdlib_text


def test_round_trip_of_known_text(tiny_text):
    tok = CharTokenizer.from_text(tiny_text)
    ids = tok.encode(tiny_text)
    assert tok.decode(ids) == tiny_text
    assert all(0 < i < tok.vocab_size for i in ids)  # 0 is reserved for unknown characters
    assert tok.vocab_size == len(set(tiny_text)) + 1


def test_unknown_characters_map_to_the_unknown_id():
    tok = CharTokenizer.from_text("abc")
    assert tok.encode("abzc") == [tok.stoi["a"], tok.stoi["b"], 0, tok.stoi["c"]]
    assert tok.decode(tok.encode("abzc")) == "ab" + UNK + "c"
    assert tok.unknown_chars("abzé") == {"z", "é"}


def test_vocabulary_is_sorted_and_saved_in_id_order():
    tok = CharTokenizer.from_text("cabbage")
    assert tok.to_list() == [UNK, "a", "b", "c", "e", "g"]
    again = CharTokenizer.from_list(tok.to_list())
    assert again.stoi == tok.stoi
    with pytest.raises(ValueError):
        CharTokenizer.from_list(["a", "b"])


def test_split_is_fixed_90_10():
    train, val = split_text("x" * 900 + "y" * 100)
    assert train == "x" * 900 and val == "y" * 100


def test_default_corpus_is_deterministic_and_documented():
    a = load_corpus(max_bytes=150_000)
    b = load_corpus(max_bytes=150_000)
    assert a.text == b.text and a.files == b.files and a.sha256 == b.sha256
    assert a.files and all(p.suffix == ".py" for p in a.files)
    assert a.files == sorted(a.files)
    assert len(a.text.encode("utf-8")) <= 150_000
    text, files = stdlib_text(150_000)
    assert text == a.text and files == a.files
    assert f"# file: {files[0].name}" in a.text.splitlines()[0]
    assert a.train_text + a.val_text == a.text
    assert "vocabulary" in a.describe()


def test_any_text_file_via_data(tmp_path, tiny_text):
    path = tmp_path / "story.txt"
    path.write_text(tiny_text, encoding="utf-8")
    corpus = load_corpus(path)
    assert corpus.text == tiny_text and corpus.source == str(path)
    assert corpus.tokenizer.decode(corpus.tokenizer.encode(corpus.train_text)) == corpus.train_text


def test_missing_or_binary_file_gives_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="not a file"):
        load_corpus(tmp_path / "nope.txt")
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\x00\x01\x02" * 1000)
    with pytest.raises(CorpusError, match="UTF-8"):
        load_corpus(binary)
