"""Lesson 7: save and load; a damaged or mismatched file gives a clear CheckpointError."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from phase1_tinylm.bigram import BigramModel
from phase1_tinylm.checkpoint import (
    CheckpointError,
    load_bigram,
    load_mlp,
    load_model,
    save_bigram,
    save_mlp,
    save_model,
)
from phase1_tinylm.mlp_numpy import train_mlp
from phase1_tinylm.sampling import generate


@pytest.fixture(scope="module")
def mlp_model(tiny_data):
    tok, train, val = tiny_data
    return train_mlp(train, val, tok.vocab_size, context=5, emb=8, hidden=32, steps=60,
                     batch_size=32, eval_every=30, progress=False)


def test_bigram_round_trip_is_identical(tmp_path, tiny_data):
    tok, train, val = tiny_data
    model = BigramModel.fit(train, tok.vocab_size, 0.3)
    save_bigram(tmp_path / "b.npz", model, tok.to_list())
    loaded, header = load_bigram(tmp_path / "b.npz", tok.to_list())
    assert header["kind"] == "bigram" and header["hparams"] == {"alpha": 0.3}
    assert np.array_equal(loaded.probs, model.probs) and loaded.loss(val) == model.loss(val)
    assert generate(loaded, [1], 50, seed=4) == generate(model, [1], 50, seed=4)


def test_mlp_round_trip_is_identical(tmp_path, tiny_data, mlp_model):
    tok, _, val = tiny_data
    model, stats = mlp_model
    save_mlp(tmp_path / "m.npz", model, tok.to_list(), stats["hparams"])
    loaded, header = load_mlp(tmp_path / "m.npz", tok.to_list())
    for name in model.params:
        assert np.array_equal(loaded.params[name], model.params[name])
        assert loaded.params[name].dtype == model.params[name].dtype
    assert loaded.loss(val) == model.loss(val)
    assert generate(loaded, [2, 3], 60, 0.9, 5, seed=1) == generate(model, [2, 3], 60, 0.9, 5, seed=1)
    assert header["hparams"]["hidden"] == 32 and header["vocab"] == tok.to_list()
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temp file left behind


def test_corrupted_file_raises_a_clear_error(tmp_path, tiny_data, mlp_model):
    tok, _, _ = tiny_data
    model, stats = mlp_model
    path = tmp_path / "m.npz"
    save_mlp(path, model, tok.to_list(), stats["hparams"])
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)  # a damaged block in the middle of the weights
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupted|checksum") as err:
        load_mlp(path)
    assert "train again" in str(err.value)
    path.write_bytes(bytes(data[: len(data) // 3]))  # a truncated file (a crash while copying)
    with pytest.raises(CheckpointError, match="corrupted"):
        load_mlp(path)
    path.write_text("not a model at all")
    with pytest.raises(CheckpointError, match="corrupted"):
        load_mlp(path)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_mlp(tmp_path / "missing.npz")


def test_changed_weights_fail_the_checksum(tmp_path):
    path = tmp_path / "w.npz"
    header = save_model(path, "toy", {"w": np.arange(6.0)}, ["\ufffd", "a"], {})
    buffer = io.BytesIO()  # a valid archive whose weights no longer match the stored checksum
    raw = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(buffer, __header__=raw, w=np.arange(6.0) + 1)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(CheckpointError, match="checksum"):
        load_model(path)


def test_mismatched_kind_vocab_or_shape_raises(tmp_path, tiny_data, mlp_model):
    tok, train, _ = tiny_data
    model, stats = mlp_model
    path = tmp_path / "m.npz"
    save_mlp(path, model, tok.to_list(), stats["hparams"])
    with pytest.raises(CheckpointError, match="not a 'bigram' model"):
        load_bigram(path)
    with pytest.raises(CheckpointError, match="different vocabulary"):
        load_mlp(path, tok.to_list() + ["@"])
    wrong = {**stats["hparams"], "hidden": 33}  # hyperparameters that do not fit the weights
    save_model(path, "numpy_mlp", model.params, tok.to_list(), {**wrong, "context": 5, "pad_id": 0})
    with pytest.raises(CheckpointError, match="shape"):
        load_mlp(path)


def test_every_flipped_bit_is_refused_or_harmless(tmp_path):
    """A bit flipped anywhere in the file: a CheckpointError, or exactly the saved model (a bit
    no reader uses, such as a zip timestamp). Never another exception, never other values."""
    path, damaged = tmp_path / "m.npz", tmp_path / "d.npz"
    arrays = {"counts": np.arange(16, dtype=np.int64).reshape(4, 4)}
    header = save_model(path, "bigram", arrays, ["\ufffd", "a", "b", "c"], {"alpha": 0.5})
    original = path.read_bytes()
    refused = 0
    for i in range(len(original)):
        data = bytearray(original)
        data[i] ^= 1 << (i % 8)
        damaged.write_bytes(bytes(data))
        try:
            loaded, got = load_model(damaged)
        except CheckpointError as err:
            assert "\n" not in str(err)
            refused += 1
            continue
        assert got == header and np.array_equal(loaded["counts"], arrays["counts"]), f"byte {i}"
    assert refused > len(original) // 2


def test_every_truncation_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    save_model(path, "toy", {"w": np.arange(6.0)}, ["\ufffd", "a"], {"n": 1})
    original = path.read_bytes()
    for size in range(len(original)):
        path.write_bytes(original[:size])
        with pytest.raises(CheckpointError):
            load_model(path)


def test_a_changed_setting_fails_the_checksum(tmp_path):
    """The checksum covers the header: a valid JSON header with another alpha is refused."""
    path = tmp_path / "b.npz"
    header = save_model(path, "bigram", {"counts": np.ones((2, 2), dtype=np.int64)}, ["\ufffd", "a"],
                        {"alpha": 0.5})
    changed = {**header, "hparams": {"alpha": 0.7}}
    buffer = io.BytesIO()
    np.savez(buffer, __header__=np.frombuffer(json.dumps(changed).encode(), dtype=np.uint8),
             counts=np.ones((2, 2), dtype=np.int64))
    path.write_bytes(buffer.getvalue())
    with pytest.raises(CheckpointError, match="checksum"):
        load_bigram(path)


def test_missing_or_mistyped_settings_raise_checkpoint_error(tmp_path, tiny_data, mlp_model):
    """A file written by other code (a valid checksum, settings missing or of the wrong type)."""
    tok, _, _ = tiny_data
    model, _ = mlp_model
    path = tmp_path / "m.npz"
    save_model(path, "numpy_mlp", model.params, tok.to_list(), {"context": 5, "pad_id": 0})
    with pytest.raises(CheckpointError, match="'emb'"):
        load_mlp(path)
    save_model(path, "bigram", {"counts": np.ones((2, 2))}, ["\ufffd", "a"], {"alpha": "big"})
    with pytest.raises(CheckpointError, match="'alpha'"):
        load_bigram(path)


def test_a_checkpoint_error_prints_one_sentence(tmp_path, capsys):
    from shared.cli import run_main

    assert run_main(lambda: load_mlp(tmp_path / "missing.npz")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "does not exist" in err
