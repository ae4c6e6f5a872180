"""Every model is scored on the same characters, and lesson 6 reports and teaches what it says."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

from phase1_tinylm.mlp_numpy import NumpyMLP, init_params, train_mlp
from phase1_tinylm.neural_bigram import train_pure_bigram
from phase1_tinylm.overfitting import OPTIONS, overfitting_experiment, summarise


def log_softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=-1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))


def test_neural_bigram_is_scored_on_the_whole_validation_split():
    rng = np.random.default_rng(0)
    train = list(rng.integers(0, 12, size=3000))
    val = list(rng.integers(0, 12, size=5000))  # more than the 2,000 pairs it used to score
    model, stats = train_pure_bigram(train, val, 12, steps=30, batch_size=16, lr=5.0, progress=False)
    rows = log_softmax(np.array(model.W))
    ids = np.array(val)
    every_pair = float(-rows[ids[:-1], ids[1:]].mean())
    assert stats["val_loss"] == pytest.approx(every_pair, rel=1e-9)
    assert stats["history"]["val_loss"][-1] == stats["val_loss"]


def test_mlp_scores_every_character_after_the_first():
    """As the bigram does: the first characters see a context padded with pad_id."""
    params = init_params(vocab_size=9, context=4, emb=3, hidden=8, seed=1)
    params["W2"] = np.random.default_rng(2).normal(0, 1, params["W2"].shape).astype(np.float32)
    model = NumpyMLP(params, context=4, pad_id=1)
    ids = np.random.default_rng(3).integers(0, 9, size=30)
    one_by_one = [-log_softmax(model.next_logits(list(ids[:t])))[ids[t]] for t in range(1, len(ids))]
    assert model.loss(ids) == pytest.approx(float(np.mean(one_by_one)), rel=1e-5)


def test_transformer_scores_every_character_after_the_first():
    """19 targets in windows of 8: two full windows, then the last 3 targets, each once."""
    from phase1_tinylm.train_transformer import evaluate
    from phase1_tinylm.transformer import GPTConfig, TinyTransformer

    torch.manual_seed(0)
    model = TinyTransformer(GPTConfig(vocab_size=10, block_size=8, n_layer=1, n_head=2, n_embd=16)).eval()
    data = torch.randint(0, 10, (20,))
    whole = evaluate(model, data, 8, None, "cpu")
    first_16 = evaluate(model, data[:17], 8, None, "cpu")
    with torch.no_grad():
        logits, _ = model(data[11:19][None])  # the window that ends at the last target
    last_3 = -torch.log_softmax(logits[0, -3:], dim=-1)[torch.arange(3), data[17:20]].sum().item()
    assert whole * 19 == pytest.approx(first_16 * 16 + last_3, rel=1e-5)


def test_early_stopping_reports_the_losses_of_the_kept_parameters(tiny_data):
    tok, train, val = tiny_data
    model, stats = train_mlp(train[:300], val, tok.vocab_size, context=6, emb=16, hidden=128,
                             steps=600, batch_size=32, lr=1e-2, warmup=10, eval_every=20,
                             eval_tokens=2000, patience=2, progress=False)
    assert stats["stopped_early"]
    assert stats["history"]["val_loss"][-1] > stats["best_val_loss"]  # the last evaluation was worse
    assert stats["val_loss"] == stats["best_val_loss"] and stats["kept_step"] == stats["best_step"]
    assert model.loss(val, 2000) == pytest.approx(stats["val_loss"], rel=1e-5)
    line = summarise({"early stopping": stats})[0]
    assert f"val {stats['best_val_loss']:.3f}" in line.split("gap")[0]


@pytest.fixture(scope="module")
def small_stdlib():
    from phase1_tinylm.data import load_corpus

    corpus = load_corpus(None, 60_000)
    tok = corpus.tokenizer
    return tok, np.array(tok.encode(corpus.train_text)), np.array(tok.encode(corpus.val_text))


def test_default_weight_decay_stops_memorising(small_stdlib):
    """Lesson 6: with `make overfit`'s weight decay, a model that memorises 1,500 characters
    without it (train/val gap ~1.4 nats; ~1.2 with the old default 0.3) no longer does."""
    tok, train, val = small_stdlib
    default = inspect.signature(overfitting_experiment).parameters["weight_decay"].default
    assert OPTIONS["weight_decay"] == default
    common = dict(context=6, emb=16, hidden=128, steps=300, batch_size=32, lr=3e-3, warmup=20,
                  eval_every=50, eval_tokens=2000, progress=False)
    _, plain = train_mlp(train[:1500], val, tok.vocab_size, **common)
    _, decayed = train_mlp(train[:1500], val, tok.vocab_size, weight_decay=default, **common)
    assert plain["val_loss"] - plain["train_loss"] > 1.0  # it does overfit without decay
    assert decayed["val_loss"] - decayed["train_loss"] < 0.5
    assert decayed["val_loss"] < plain["val_loss"]


def test_plotting_leaves_matplotlib_backend_alone(tmp_path):
    """A library module must not pick the backend (it killed inline plots in the notebooks)."""
    import matplotlib

    from phase1_tinylm.curves import plot_runs
    from phase1_tinylm.milestone import plot_bars

    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        history = {"step": [0, 1], "train_loss": [2.0, 1.0], "val_loss": [2.1, 1.5]}
        plot_runs({"run": history}, tmp_path / "curves.png")
        plot_bars({"bigram": {"val_bits": 3.3}, "MLP": {"val_bits": 2.2}}, tmp_path / "bars.png")
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(before)
    for name in ("curves.png", "bars.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
