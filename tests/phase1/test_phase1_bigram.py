"""Lesson 2: the counting bigram; lesson 3: sampling."""

from __future__ import annotations

import math

import numpy as np

from phase1_tinylm.bigram import BigramModel, bigram_probs, bits, count_bigrams, nll, train_bigram
from phase1_tinylm.sampling import generate, generate_text, probs_from_logits, sample_next


def test_counts_on_a_toy_sequence():
    counts = count_bigrams(np.array([0, 1, 1, 2, 1]), 3)
    expected = np.zeros((3, 3), dtype=np.int64)
    expected[0, 1] = 1
    expected[1, 1] = 1
    expected[1, 2] = 1
    expected[2, 1] = 1
    assert (counts == expected).all()


def test_probabilities_sum_to_one_and_smoothing_removes_zeros(tiny_data):
    tok, train, _ = tiny_data
    counts = count_bigrams(train, tok.vocab_size)
    for alpha in (0.0001, 0.1, 1.0):
        probs = bigram_probs(counts, alpha)
        assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-12)
        assert (probs > 0).all()
    # a row with no counts at all becomes uniform
    assert np.allclose(bigram_probs(counts, 1.0)[0], 1.0 / tok.vocab_size)


def test_nll_matches_a_hand_computation():
    probs = np.array([[0.5, 0.5], [0.25, 0.75]])
    ids = np.array([0, 1, 1, 0])
    expected = -(math.log(0.5) + math.log(0.75) + math.log(0.25)) / 3
    assert math.isclose(nll(probs, ids), expected)
    assert math.isclose(bits(math.log(2)), 1.0)


def test_bigram_beats_uniform_and_generates_text(tiny_data):
    tok, train, val = tiny_data
    model, stats = train_bigram(train, val, tok.vocab_size)
    assert stats["val_loss"] < math.log(tok.vocab_size)  # better than guessing uniformly
    text = generate_text(model, tok, "\n", 80, seed=3)
    assert len(text) == 81 and set(text) <= set(tok.itos)


def test_sampling_is_deterministic_with_a_seed(tiny_data):
    tok, train, _ = tiny_data
    model = BigramModel.fit(train, tok.vocab_size, 0.5)
    a = generate(model, [tok.stoi["d"]], 100, temperature=1.0, seed=7)
    b = generate(model, [tok.stoi["d"]], 100, temperature=1.0, seed=7)
    c = generate(model, [tok.stoi["d"]], 100, temperature=1.0, seed=8)
    assert a == b and a != c


def test_top_k_only_ever_samples_the_k_most_likely():
    logits = np.log(np.array([0.05, 0.4, 0.1, 0.3, 0.15]))
    probs = probs_from_logits(logits, 1.0, top_k=2)
    assert np.isclose(probs.sum(), 1.0) and set(np.nonzero(probs)[0]) == {1, 3}
    rng = np.random.default_rng(0)
    draws = {sample_next(logits, rng, temperature=2.0, top_k=2) for _ in range(300)}
    assert draws == {1, 3}


def test_temperature_sharpens_and_zero_is_greedy():
    logits = np.array([1.0, 2.0, 3.0])
    cold, warm = probs_from_logits(logits, 0.5), probs_from_logits(logits, 2.0)
    assert cold[2] > probs_from_logits(logits, 1.0)[2] > warm[2]
    assert list(probs_from_logits(logits, 0.0)) == [0.0, 0.0, 1.0]
