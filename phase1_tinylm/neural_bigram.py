"""Lesson 4 (optional): a neural bigram in pure Python, gradients written by hand.

The model is one weight table W (V x V): the logits for the next character after id a are
simply the row W[a] (a one-hot input times W picks that row). Softmax turns them into
probabilities and the loss is the negative log-likelihood. For one example (a -> b) the
gradient of the loss with respect to the row W[a] is softmax(W[a]) - onehot(b), and zero for
every other row. That is all of backpropagation for this model; no numpy, no autograd.

Trained long enough, it learns the same table as the counting bigram of lesson 2: the
"neural" and the "counting" views of a bigram are the same model.
"""

from __future__ import annotations

import math
import random
import time


def softmax(row: list[float]) -> list[float]:
    """Probabilities from scores; subtracting the max keeps exp() from overflowing."""
    top = max(row)
    exps = [math.exp(x - top) for x in row]
    total = sum(exps)
    return [e / total for e in exps]


def log_softmax(row: list[float]) -> list[float]:
    """log(softmax(row)), computed without taking the log of a probability that underflowed."""
    top = max(row)
    log_total = top + math.log(sum(math.exp(x - top) for x in row))
    return [x - log_total for x in row]


class PurePythonBigram:
    """W as a list of lists; `next_logits` makes it usable by `sampling.generate`."""

    context_size = 1

    def __init__(self, vocab_size: int, seed: int = 0):
        rng = random.Random(seed)
        self.vocab_size = vocab_size
        self.W = [[rng.gauss(0.0, 0.01) for _ in range(vocab_size)] for _ in range(vocab_size)]

    def next_logits(self, context: list[int]):
        import numpy as np  # only to hand the sampler an array; training never touches numpy

        return np.array(self.W[context[-1]], dtype=np.float64)

    def loss(self, pairs: list[tuple[int, int]]) -> float:
        """Average NLL (nats) over (current, next) pairs. Each row's log-probabilities are
        computed once, so scoring a whole validation split takes a moment, not minutes."""
        rows: dict[int, list[float]] = {}
        total = 0.0
        for a, b in pairs:
            if a not in rows:
                rows[a] = log_softmax(self.W[a])
            total -= rows[a][b]
        return total / len(pairs)

    def step(self, batch: list[tuple[int, int]], lr: float, weight_decay: float = 0.0) -> float:
        """One step of gradient descent on a mini-batch; returns the batch loss before the step."""
        grads: dict[int, list[float]] = {}  # only the rows this batch touched
        total = 0.0
        n = len(batch)
        for a, b in batch:
            probs = softmax(self.W[a])
            total -= math.log(probs[b])
            g = grads.setdefault(a, [0.0] * self.vocab_size)
            for j, p in enumerate(probs):  # d loss / d W[a][j] = p_j - [j == b], averaged
                g[j] += p / n
            g[b] -= 1.0 / n
        for a, g in grads.items():
            row = self.W[a]
            for j in range(self.vocab_size):
                row[j] -= lr * (g[j] + weight_decay * row[j])
        return total / n


def make_pairs(ids: list[int]) -> list[tuple[int, int]]:
    """Every (current id, next id) pair of a sequence."""
    return list(zip(ids[:-1], ids[1:], strict=False))


def train_pure_bigram(train_ids: list[int], val_ids: list[int], vocab_size: int, steps: int = 300,
                      batch_size: int = 64, lr: float = 50.0, seed: int = 0,
                      progress: bool = True) -> tuple[PurePythonBigram, dict]:
    """Mini-batch gradient descent; returns the model and its loss curve (train batch, val).

    The validation loss is over every pair of the validation split, the characters every other
    model of this phase is scored on, so the numbers compare."""
    from tqdm.auto import tqdm

    rng = random.Random(seed)
    model = PurePythonBigram(vocab_size, seed)
    train_pairs = make_pairs(list(train_ids))
    val_pairs = make_pairs(list(val_ids))
    history = {"step": [], "train_loss": [], "val_loss": []}
    start = time.perf_counter()
    bar = tqdm(range(steps), desc="pure-python bigram", disable=not progress)
    for step in bar:
        batch = [train_pairs[rng.randrange(len(train_pairs))] for _ in range(batch_size)]
        batch_loss = model.step(batch, lr)
        if step % max(1, steps // 10) == 0 or step == steps - 1:
            val = model.loss(val_pairs)
            history["step"].append(step)
            history["train_loss"].append(batch_loss)
            history["val_loss"].append(val)
            bar.set_postfix(train=f"{batch_loss:.3f}", val=f"{val:.3f}")
    seconds = time.perf_counter() - start
    stats = {"history": history, "train_seconds": seconds,
             "tokens_per_s": steps * batch_size / max(seconds, 1e-9), "val_loss": history["val_loss"][-1]}
    return model, stats
