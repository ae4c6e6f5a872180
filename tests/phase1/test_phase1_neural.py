"""Lesson 4 (pure-Python neural bigram) and lesson 5 (numpy MLP, gradient check)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from phase1_tinylm.mlp_numpy import (
    NumpyMLP,
    grad_check,
    init_params,
    loss_and_grads,
    lr_at,
    train_mlp,
)
from phase1_tinylm.neural_bigram import PurePythonBigram, make_pairs, train_pure_bigram


def test_pure_python_bigram_loss_decreases(tiny_data):
    tok, train, val = tiny_data
    model, stats = train_pure_bigram(list(train), list(val), tok.vocab_size, steps=150,
                                     batch_size=32, lr=10.0, progress=False)
    losses = stats["history"]["val_loss"]
    assert losses[0] > losses[-1] + 0.5
    assert losses[-1] < math.log(tok.vocab_size) - 1.0  # well below guessing uniformly
    assert model.loss(make_pairs(list(val))) == pytest.approx(losses[-1])


def test_pure_python_gradient_matches_finite_differences():
    model = PurePythonBigram(5, seed=1)
    batch = [(0, 1), (0, 3), (2, 4)]
    row, col, eps = 0, 3, 1e-6
    model.W[row][col] += eps
    plus = model.loss(batch)
    model.W[row][col] -= 2 * eps
    minus = model.loss(batch)
    model.W[row][col] += eps
    numeric = (plus - minus) / (2 * eps)
    before = model.W[row][col]
    model.step(batch, lr=1.0)  # W -= 1.0 * gradient
    analytic = before - model.W[row][col]
    assert math.isclose(numeric, analytic, rel_tol=1e-6)
    assert make_pairs([1, 2, 3]) == [(1, 2), (2, 3)]


def test_mlp_backward_matches_finite_differences():
    rng = np.random.default_rng(0)
    params = init_params(vocab_size=13, context=4, emb=5, hidden=16, seed=2)
    X = rng.integers(0, 13, size=(12, 4))
    Y = rng.integers(0, 13, size=12)
    errors = grad_check(params, X, Y, samples_per_param=25)
    assert set(errors) == {"C", "W1", "b1", "W2", "b2"}
    assert max(errors.values()) < 1e-6, errors


def test_mlp_gradients_have_the_parameter_shapes():
    params = init_params(10, 3, 4, 8)
    X = np.array([[1, 2, 3], [3, 3, 3]])
    loss, grads = loss_and_grads(params, X, np.array([4, 5]))
    assert all(grads[k].shape == params[k].shape for k in params)
    assert math.isclose(loss, math.log(10), rel_tol=0.05)  # small output layer: near uniform
    assert not grads["C"][0].any()  # id 0 is not in X: its embedding gets no gradient


def test_learning_rate_schedule_warms_up_then_decays():
    lrs = [lr_at(s, 100, 1.0, 10) for s in range(100)]
    assert lrs[0] == 0.1 and math.isclose(lrs[9], 1.0)
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:], strict=False))
    assert math.isclose(lrs[-1], 0.1, rel_tol=0.01)


def test_mlp_learns_the_tiny_corpus(tiny_data):
    tok, train, val = tiny_data
    model, stats = train_mlp(train, val, tok.vocab_size, context=6, emb=8, hidden=64, steps=300,
                             batch_size=32, lr=1e-2, warmup=20, eval_every=100, progress=False)
    h = stats["history"]
    assert h["train_loss"][-1] < h["train_loss"][0] - 1.5
    assert isinstance(model, NumpyMLP) and model.loss(val) < math.log(tok.vocab_size) - 1.0


def test_early_stopping_keeps_the_best_parameters(tiny_data):
    tok, train, val = tiny_data
    model, stats = train_mlp(train[:300], val, tok.vocab_size, context=6, emb=16, hidden=128,
                             steps=600, batch_size=32, lr=1e-2, warmup=10, eval_every=20,
                             eval_tokens=2000, patience=2, progress=False)
    assert math.isclose(model.loss(val, 2000), stats["best_val_loss"], rel_tol=1e-5)
    assert stats["best_val_loss"] == min(stats["history"]["val_loss"])


def test_gradient_check_catches_a_wrong_backward(monkeypatch):
    import phase1_tinylm.mlp_numpy as mlp

    right = mlp.backward

    def one_percent_off(params, cache, dlogits):
        grads = right(params, cache, dlogits)
        grads["W1"] = grads["W1"] * 1.01
        return grads

    monkeypatch.setattr(mlp, "backward", one_percent_off)
    rng = np.random.default_rng(1)
    params = init_params(vocab_size=13, context=4, emb=5, hidden=16, seed=2)
    errors = grad_check(params, rng.integers(0, 13, size=(12, 4)), rng.integers(0, 13, size=12))
    assert errors["W1"] > 1e-3 and errors["W2"] < 1e-6
