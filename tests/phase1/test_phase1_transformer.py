"""Lesson 8: the transformer: causality, learning, checkpoint and resume, save and load."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from phase1_tinylm.checkpoint import CheckpointError
from phase1_tinylm.sampling import generate
from phase1_tinylm.train_transformer import load_transformer, lr_at, train_transformer
from phase1_tinylm.transformer import GPTConfig, TinyTransformer, TransformerLM, pick_device

TINY = dict(block_size=16, n_layer=2, n_head=2, n_embd=32, batch_size=8, lr=3e-3, warmup=5,
            eval_every=10, eval_tokens=400, ckpt_every=10, device="cpu", threads=1)


def test_future_tokens_do_not_change_past_logits():
    torch.manual_seed(0)
    model = TinyTransformer(GPTConfig(vocab_size=20, block_size=12, n_layer=2, n_head=2, n_embd=16)).eval()
    x = torch.randint(0, 20, (2, 12))
    y = x.clone()
    y[:, 7:] = torch.randint(0, 20, (2, 5))  # change everything from position 7 on
    with torch.no_grad():
        a, _ = model(x)
        b, _ = model(y)
    assert torch.equal(a[:, :7], b[:, :7])
    assert not torch.allclose(a[:, 7:], b[:, 7:])


def test_a_few_steps_reduce_the_loss(tiny_data):
    tok, train, val = tiny_data
    _, stats = train_transformer(train, val, tok.to_list(), {**TINY, "max_steps": 40}, progress=False)
    h = stats["history"]
    assert h["val_loss"][-1] < math.log(tok.vocab_size) - 0.8
    assert h["train_loss"][-1] < h["train_loss"][0]


def test_resume_continues_exactly_like_an_uninterrupted_run(tmp_path, tiny_data):
    tok, train, val = tiny_data
    cfg = {**TINY, "max_steps": 30, "dropout": 0.1}  # dropout: the torch RNG must resume too
    _, full = train_transformer(train, val, tok.to_list(), cfg, out=tmp_path / "full.npz", progress=False)
    ckpt = tmp_path / "split.npz"
    _, first = train_transformer(train, val, tok.to_list(), cfg, out=ckpt, stop_at=20, progress=False)
    assert first["steps"] == 20
    torch.manual_seed(999)  # whatever happened in between must not matter
    _, resumed = train_transformer(train, val, tok.to_list(), cfg, out=ckpt, resume=True, progress=False)
    assert resumed["steps"] == 30
    assert resumed["history"]["val_loss"] == full["history"]["val_loss"]
    assert resumed["history"]["train_loss"] == full["history"]["train_loss"]
    a, _ = load_transformer(tmp_path / "full.npz")
    b, _ = load_transformer(ckpt)
    for (name, p), (_, q) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(p, q), name


def test_resume_with_other_model_settings_is_refused(tmp_path, tiny_data):
    tok, train, val = tiny_data
    ckpt = tmp_path / "t.npz"
    train_transformer(train, val, tok.to_list(), {**TINY, "max_steps": 4}, out=ckpt, progress=False)
    with pytest.raises(CheckpointError, match="other model settings"):
        train_transformer(train, val, tok.to_list(), {**TINY, "max_steps": 8, "n_embd": 64},
                          out=ckpt, resume=True, progress=False)
    with pytest.raises(CheckpointError, match="different vocabulary"):
        load_transformer(ckpt, tok.to_list()[:-1])


def test_save_then_load_gives_identical_outputs(tmp_path, tiny_data):
    tok, train, val = tiny_data
    ckpt = tmp_path / "t.npz"
    lm, _ = train_transformer(train, val, tok.to_list(), {**TINY, "max_steps": 10}, out=ckpt, progress=False)
    model, header = load_transformer(ckpt, tok.to_list())
    loaded = TransformerLM(model)
    assert header["extra"]["step"] == 10
    assert loaded.loss(val) == lm.loss(val)
    prompt = tok.encode("def ")
    assert generate(loaded, prompt, 40, 0.8, 10, seed=2) == generate(lm, prompt, 40, 0.8, 10, seed=2)
    assert np.array_equal(loaded.next_logits(prompt), lm.next_logits(prompt))


def test_schedule_and_device():
    cfg = {"lr": 1.0, "warmup": 10, "max_steps": 110, "min_lr_ratio": 0.1}
    assert lr_at(0, cfg) == 0.1 and math.isclose(lr_at(9, cfg), 1.0)
    assert math.isclose(lr_at(110, cfg), 0.1)
    assert pick_device("auto") in {"cuda", "mps", "cpu"}
    assert pick_device("cpu") == "cpu"
