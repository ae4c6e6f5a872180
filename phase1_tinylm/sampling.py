"""Lesson 3: sampling text from any model, with temperature and top-k, reproducibly.

Every model of this phase offers `next_logits(context) -> array of V scores` and a
`context_size` (how many previous ids it looks at). `generate` works with all of them.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class NextCharModel(Protocol):
    context_size: int

    def next_logits(self, context: list[int]) -> np.ndarray: ...


def probs_from_logits(logits: np.ndarray, temperature: float = 1.0, top_k: int | None = None) -> np.ndarray:
    """Softmax of logits / temperature, keeping only the `top_k` most likely ids (float64, sums to 1).

    temperature < 1 sharpens the distribution (safer, more repetitive text), > 1 flattens it.
    temperature 0 means greedy: all mass on the most likely id.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if temperature <= 0:
        probs = np.zeros_like(logits)
        probs[int(np.argmax(logits))] = 1.0
        return probs
    scaled = logits / temperature
    if top_k is not None and 0 < top_k < scaled.size:
        kth = np.sort(scaled)[-top_k]
        scaled = np.where(scaled >= kth, scaled, -np.inf)
    scaled = scaled - scaled.max()
    weights = np.exp(scaled)
    return weights / weights.sum()


def sample_next(logits: np.ndarray, rng: np.random.Generator, temperature: float = 1.0,
                top_k: int | None = None) -> int:
    """One id drawn from the tempered, top-k-truncated distribution."""
    probs = probs_from_logits(logits, temperature, top_k)
    return int(rng.choice(probs.size, p=probs))


def generate(model: NextCharModel, prompt_ids: list[int], n_new: int, temperature: float = 1.0,
             top_k: int | None = None, seed: int = 0) -> list[int]:
    """The prompt followed by `n_new` sampled ids; the same seed gives the same ids."""
    if not prompt_ids:
        raise ValueError("generate needs at least one prompt id (e.g. the id of '\\n').")
    rng = np.random.default_rng(seed)
    ids = list(prompt_ids)
    for _ in range(n_new):
        context = ids[-model.context_size:]
        ids.append(sample_next(model.next_logits(context), rng, temperature, top_k))
    return ids


def generate_text(model: NextCharModel, tokenizer, prompt: str = "\n", n_new: int = 200,
                  temperature: float = 1.0, top_k: int | None = None, seed: int = 0) -> str:
    """`generate` on text: encode the prompt, sample, decode everything."""
    ids = generate(model, tokenizer.encode(prompt), n_new, temperature, top_k, seed)
    return tokenizer.decode(ids)
