"""Lesson 2: a bigram language model from counts.

Count how often each character follows each other character, add a little to every count
(smoothing, so nothing is impossible), normalise each row into a probability distribution, and
score text by its average negative log-likelihood (NLL) per character, in nats.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np


def count_bigrams(ids: np.ndarray, vocab_size: int) -> np.ndarray:
    """counts[a, b] = how many times id b directly follows id a in `ids` (int64, V x V)."""
    ids = np.asarray(ids, dtype=np.int64)
    pairs = ids[:-1] * vocab_size + ids[1:]  # each (a, b) pair as one number, then a histogram
    return np.bincount(pairs, minlength=vocab_size * vocab_size).reshape(vocab_size, vocab_size)


def bigram_probs(counts: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Row-normalised probabilities P(next=b | current=a) with add-`alpha` smoothing (float64)."""
    smoothed = counts.astype(np.float64) + alpha
    return smoothed / smoothed.sum(axis=1, keepdims=True)


def nll(probs: np.ndarray, ids: np.ndarray) -> float:
    """Average negative log-likelihood (nats per character) of each next id given the one before."""
    ids = np.asarray(ids, dtype=np.int64)
    return float(-np.log(probs[ids[:-1], ids[1:]]).mean())


def bits(nats: float) -> float:
    """Nats to bits: divide by ln 2."""
    return nats / math.log(2)


@dataclass
class BigramModel:
    """A fitted bigram: its smoothed probability table and the counts it came from."""

    counts: np.ndarray
    alpha: float
    probs: np.ndarray
    context_size: int = 1

    @classmethod
    def fit(cls, ids: np.ndarray, vocab_size: int, alpha: float = 1.0) -> BigramModel:
        counts = count_bigrams(ids, vocab_size)
        return cls(counts=counts, alpha=alpha, probs=bigram_probs(counts, alpha))

    def next_logits(self, context: list[int]) -> np.ndarray:
        """Log-probabilities of the next id given the ids so far (only the last one matters)."""
        return np.log(self.probs[context[-1]])

    def loss(self, ids: np.ndarray) -> float:
        return nll(self.probs, ids)

    def num_params(self) -> int:
        return int(self.probs.size)


def best_alpha(train_ids: np.ndarray, val_ids: np.ndarray, vocab_size: int,
               alphas=(0.01, 0.1, 0.5, 1.0, 2.0)) -> tuple[float, dict[float, float]]:
    """Pick the smoothing that gives the lowest validation NLL; returns it and every score."""
    counts = count_bigrams(train_ids, vocab_size)
    scores = {a: nll(bigram_probs(counts, a), val_ids) for a in alphas}
    return min(scores, key=scores.get), scores


def train_bigram(train_ids: np.ndarray, val_ids: np.ndarray, vocab_size: int,
                 alpha: float | None = None) -> tuple[BigramModel, dict]:
    """Fit the bigram (choosing alpha on validation when not given) and measure it."""
    start = time.perf_counter()
    scores = {}
    if alpha is None:
        alpha, scores = best_alpha(train_ids, val_ids, vocab_size)
    model = BigramModel.fit(train_ids, vocab_size, alpha)
    seconds = time.perf_counter() - start
    stats = {
        "alpha": alpha, "alpha_scores": scores,
        "train_loss": model.loss(train_ids), "val_loss": model.loss(val_ids),
        "train_seconds": seconds, "tokens_per_s": len(train_ids) / max(seconds, 1e-9),
        "params": model.num_params(),
    }
    return model, stats
