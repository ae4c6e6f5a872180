"""Lesson 5: a tiny neural language model in numpy, forward and backward written by hand.

Bengio et al. (2003) in a page: look up an embedding vector for each of the last `context`
characters, concatenate them, pass them through one tanh hidden layer, and score every possible
next character with a linear layer and a softmax. The backward pass applies the chain rule to
each of those steps in reverse; `grad_check` compares it with finite differences.

Shapes: B = batch, k = context, d = embedding size, h = hidden size, V = vocabulary.
"""

from __future__ import annotations

import contextlib
import math
import time

import numpy as np

PARAM_NAMES = ("C", "W1", "b1", "W2", "b2")


def init_params(vocab_size: int, context: int, emb: int, hidden: int, seed: int = 0,
                dtype=np.float32) -> dict[str, np.ndarray]:
    """Small random weights: tanh-friendly W1, a near-zero output layer (initial loss ~ ln V)."""
    rng = np.random.default_rng(seed)
    fan_in = context * emb
    return {
        "C": rng.normal(0.0, 1.0, (vocab_size, emb)).astype(dtype),
        "W1": (rng.normal(0.0, 1.0, (fan_in, hidden)) * (5 / 3) / math.sqrt(fan_in)).astype(dtype),
        "b1": np.zeros(hidden, dtype=dtype),
        "W2": (rng.normal(0.0, 1.0, (hidden, vocab_size)) * 0.01).astype(dtype),
        "b2": np.zeros(vocab_size, dtype=dtype),
    }


def forward(params: dict[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, dict]:
    """Logits (B, V) for contexts X (B, k) of ids, and what backward needs."""
    emb = params["C"][X]  # (B, k, d): one row of C per context character
    x = emb.reshape(X.shape[0], -1)  # (B, k*d): the embeddings side by side
    h = np.tanh(x @ params["W1"] + params["b1"])  # (B, h)
    logits = h @ params["W2"] + params["b2"]  # (B, V)
    return logits, {"X": X, "x": x, "h": h}


def cross_entropy(logits: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean NLL (nats) of targets Y (B,), and its gradient with respect to the logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    B = Y.shape[0]
    loss = -log_probs[np.arange(B), Y].mean()
    dlogits = np.exp(log_probs)  # softmax
    dlogits[np.arange(B), Y] -= 1.0  # d loss / d logits = softmax - onehot, then / B for the mean
    return float(loss), dlogits / B


def backward(params: dict[str, np.ndarray], cache: dict, dlogits: np.ndarray) -> dict[str, np.ndarray]:
    """Gradients of the loss for every parameter, by the chain rule, last layer first."""
    X, x, h = cache["X"], cache["x"], cache["h"]
    grads = {
        "W2": h.T @ dlogits,  # logits = h @ W2 + b2
        "b2": dlogits.sum(axis=0),
    }
    dh = dlogits @ params["W2"].T
    dpre = dh * (1.0 - h * h)  # tanh'(z) = 1 - tanh(z)^2
    grads["W1"] = x.T @ dpre
    grads["b1"] = dpre.sum(axis=0)
    demb = (dpre @ params["W1"].T).reshape(X.shape[0], X.shape[1], -1)  # (B, k, d)
    dC = np.zeros_like(params["C"])
    np.add.at(dC, X, demb)  # a character used several times collects several gradients
    grads["C"] = dC
    return grads


def loss_and_grads(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray):
    logits, cache = forward(params, X)
    loss, dlogits = cross_entropy(logits, Y)
    return loss, backward(params, cache, dlogits)


def grad_check(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, eps: float = 1e-5,
               samples_per_param: int = 20, seed: int = 0) -> dict[str, float]:
    """Relative error, per parameter, between backward() and central finite differences:
    |analytic - numeric| / (|analytic| + |numeric|) over the sampled entries (vector norms, so
    entries whose gradient is almost zero do not blow the ratio up).

    Runs in float64 (float32 rounding would swamp the differences). Values around 1e-7 or
    smaller mean the hand-written backward pass is right; a mistake gives 1e-2 or more.
    """
    rng = np.random.default_rng(seed)
    p64 = {k: v.astype(np.float64) for k, v in params.items()}
    _, grads = loss_and_grads(p64, X, Y)
    errors = {}
    for name, value in p64.items():
        flat = value.reshape(-1)  # a view: changing flat changes the parameter
        picks = rng.choice(flat.size, size=min(samples_per_param, flat.size), replace=False)
        if name == "C":  # only the rows of characters in X get a gradient; test those too
            used = np.unique(X)
            rows = rng.choice(used, size=min(samples_per_param, used.size), replace=False)
            cols = rng.integers(0, value.shape[1], size=rows.size)
            picks = np.concatenate([picks, rows * value.shape[1] + cols])
        numeric = np.empty(len(picks))
        for n, i in enumerate(picks):
            old = flat[i]
            flat[i] = old + eps
            plus = cross_entropy(forward(p64, X)[0], Y)[0]
            flat[i] = old - eps
            minus = cross_entropy(forward(p64, X)[0], Y)[0]
            flat[i] = old
            numeric[n] = (plus - minus) / (2 * eps)
        analytic = grads[name].reshape(-1)[picks]
        scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
        errors[name] = float(np.linalg.norm(analytic - numeric) / max(scale, 1e-12))
    return errors


def lr_at(step: int, max_steps: int, lr: float, warmup: int, min_lr_ratio: float = 0.1) -> float:
    """Linear warm-up for `warmup` steps, then cosine decay to lr * min_lr_ratio at max_steps."""
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, max_steps - warmup))
    return lr * (min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


class Adam:
    """Adam with decoupled weight decay (AdamW), written out: momentum of the gradient and of
    its square, bias-corrected, one step per call."""

    def __init__(self, params: dict[str, np.ndarray], betas=(0.9, 0.99), eps: float = 1e-8):
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.betas, self.eps, self.t = betas, eps, 0

    def step(self, params, grads, lr: float, weight_decay: float = 0.0) -> None:
        self.t += 1
        b1, b2 = self.betas
        for k in params:
            self.m[k] = b1 * self.m[k] + (1 - b1) * grads[k]
            self.v[k] = b2 * self.v[k] + (1 - b2) * grads[k] ** 2
            m_hat = self.m[k] / (1 - b1 ** self.t)
            v_hat = self.v[k] / (1 - b2 ** self.t)
            if weight_decay and k in ("W1", "W2", "C"):  # no decay on biases
                params[k] -= lr * weight_decay * params[k]
            params[k] -= (lr * m_hat / (np.sqrt(v_hat) + self.eps)).astype(params[k].dtype)


def contexts(ids: np.ndarray, positions: np.ndarray, context: int) -> np.ndarray:
    """X (B, k): the `context` ids before each position (positions must be >= context)."""
    offsets = np.arange(-context, 0)
    return ids[positions[:, None] + offsets[None, :]]


def eval_positions(n: int, max_tokens: int | None, spread: bool) -> np.ndarray:
    """Which positions an evaluation scores: 1..n-1 (every character after the first, as the
    bigram scores them), or the first `max_tokens` of those, or with spread=True `max_tokens`
    evenly spaced over all of them. Fixed, so every evaluation scores the same ones."""
    count = n - 1 if max_tokens is None else min(n - 1, max_tokens)
    if spread:
        return np.linspace(1, n - 1, count).astype(np.int64)
    return np.arange(1, 1 + count)


class NumpyMLP:
    """The trained parameters plus what is needed to use them; usable by `sampling.generate`."""

    def __init__(self, params: dict[str, np.ndarray], context: int, pad_id: int = 0):
        self.params = params
        self.context_size = context
        self.pad_id = pad_id  # fills the context on the left when a prompt is shorter

    def next_logits(self, context: list[int]) -> np.ndarray:
        ctx = list(context[-self.context_size:])
        ctx = [self.pad_id] * (self.context_size - len(ctx)) + ctx
        logits, _ = forward(self.params, np.array([ctx], dtype=np.int64))
        return logits[0].astype(np.float64)

    def loss(self, ids: np.ndarray, max_tokens: int | None = None, spread: bool = False,
             chunk: int = 4096) -> float:
        """Average NLL (nats) of the next ids of `ids` from the second on (see `eval_positions`);
        the first few see a context padded on the left with `pad_id`, as in generation."""
        ids = np.asarray(ids, dtype=np.int64)
        positions = eval_positions(len(ids), max_tokens, spread)
        padded = np.concatenate([np.full(self.context_size, self.pad_id, dtype=np.int64), ids])
        total = 0.0
        for start in range(0, len(positions), chunk):
            pos = positions[start:start + chunk]
            logits, _ = forward(self.params, contexts(padded, pos + self.context_size, self.context_size))
            total += cross_entropy(logits, ids[pos])[0] * len(pos)
        return total / len(positions)

    def num_params(self) -> int:
        return int(sum(v.size for v in self.params.values()))


def one_blas_thread():
    """A context in which numpy's BLAS uses one thread (see phase1_tinylm/__init__.py for why);
    a no-op when threadpoolctl is not installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def train_mlp(train_ids, val_ids, vocab_size: int, context: int = 8, emb: int = 24,
              hidden: int = 256, steps: int = 2000, batch_size: int = 128, lr: float = 3e-3,
              warmup: int = 100, weight_decay: float = 0.0, eval_every: int = 200,
              eval_tokens: int = 20_000, patience: int | None = None, seed: int = 0,
              pad_id: int = 0, progress: bool = True, desc: str = "numpy MLP") -> tuple[NumpyMLP, dict]:
    """Mini-batch AdamW with warm-up + cosine decay; optional early stopping after `patience`
    evaluations without a new best validation loss (the best parameters are kept).

    Returns the model and stats: history (step, train_loss, val_loss), time, tokens/s, and
    train_loss / val_loss / kept_step: the losses of the parameters the model ends with (the
    best ones under early stopping, not the last evaluated).
    """
    from tqdm.auto import tqdm

    train_ids = np.asarray(train_ids, dtype=np.int64)
    val_ids = np.asarray(val_ids, dtype=np.int64)
    rng = np.random.default_rng(seed)
    params = init_params(vocab_size, context, emb, hidden, seed)
    model = NumpyMLP(params, context, pad_id)
    opt = Adam(params)
    history = {"step": [], "train_loss": [], "val_loss": []}
    best = (math.inf, -1, None)
    bad_evals = 0
    train_time = 0.0
    steps_done = 0
    with one_blas_thread():
        bar = tqdm(range(steps), desc=desc, disable=not progress)
        for step in bar:
            t0 = time.perf_counter()
            pos = rng.integers(context, len(train_ids), size=batch_size)
            loss, grads = loss_and_grads(params, contexts(train_ids, pos, context), train_ids[pos])
            opt.step(params, grads, lr_at(step, steps, lr, warmup), weight_decay)
            train_time += time.perf_counter() - t0
            steps_done += 1
            if step % eval_every == 0 or step == steps - 1:
                train_loss = model.loss(train_ids, eval_tokens, spread=True)
                val_loss = model.loss(val_ids, eval_tokens)
                history["step"].append(step)
                history["train_loss"].append(train_loss)
                history["val_loss"].append(val_loss)
                bar.set_postfix(train=f"{train_loss:.3f}", val=f"{val_loss:.3f}")
                if val_loss < best[0]:
                    best, bad_evals = (val_loss, step, {k: v.copy() for k, v in params.items()}), 0
                else:
                    bad_evals += 1
                    if patience is not None and bad_evals >= patience:
                        break
    kept = len(history["step"]) - 1  # the evaluation whose parameters the model ends with
    if patience is not None and best[2] is not None:  # early stopping keeps the best parameters
        params.update(best[2])
        kept = history["step"].index(best[1])
    stats = {
        "history": history, "train_seconds": train_time, "steps": steps_done,
        "train_loss": history["train_loss"][kept], "val_loss": history["val_loss"][kept],
        "kept_step": history["step"][kept],
        "tokens_per_s": steps_done * batch_size / max(train_time, 1e-9),
        "best_val_loss": best[0], "best_step": best[1], "stopped_early": steps_done < steps,
        "params": model.num_params(),
        "hparams": {"context": context, "emb": emb, "hidden": hidden, "steps": steps,
                    "batch_size": batch_size, "lr": lr, "warmup": warmup,
                    "weight_decay": weight_decay, "seed": seed, "pad_id": pad_id},
    }
    return model, stats
