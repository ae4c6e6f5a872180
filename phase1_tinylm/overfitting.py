"""Lesson 6: evaluating loss, and overfitting.

The training loss says how well the model fits text it has seen; the validation loss how well it
predicts text it has not. A large model on a tiny text learns the text by heart: the training
loss keeps falling while the validation loss turns and climbs. Three fixes, each tried here on
the same model: more data, weight decay (pull the weights towards zero), and early stopping
(keep the parameters from the best validation loss and stop there).
"""

from __future__ import annotations

import numpy as np

from phase1_tinylm.mlp_numpy import train_mlp

BIG_MODEL = dict(context=8, emb=32, hidden=512)  # ~0.2M parameters


def overfitting_experiment(train_ids, val_ids, vocab_size: int, tiny_chars: int = 3000,
                           steps: int = 1500, eval_every: int = 100, weight_decay: float = 0.3,
                           patience: int = 3, lr: float = 3e-3, progress: bool = True,
                           seed: int = 0) -> dict[str, dict]:
    """Four runs of the same large MLP; returns name -> stats (with "history").

    - "overfit": `tiny_chars` of training text, no regularisation;
    - "more data": all of the training text;
    - "weight decay": tiny text, AdamW weight decay;
    - "early stopping": tiny text, stop after `patience` evaluations without improvement.
    """
    train_ids = np.asarray(train_ids)
    tiny = train_ids[:tiny_chars]
    common = dict(vocab_size=vocab_size, steps=steps, eval_every=eval_every, lr=lr,
                  warmup=50, batch_size=64, eval_tokens=5000, seed=seed, progress=progress, **BIG_MODEL)
    runs = {}
    for name, data, extra in [
        ("overfit (tiny data)", tiny, {}),
        ("more data", train_ids, {}),
        ("weight decay", tiny, {"weight_decay": weight_decay}),
        ("early stopping", tiny, {"patience": patience}),
    ]:
        _, stats = train_mlp(data, val_ids, desc=name, **common, **extra)
        runs[name] = stats
    return runs


def summarise(runs: dict[str, dict]) -> list[str]:
    """One line per run: final train and validation loss, the best validation loss and its step."""
    lines = []
    for name, stats in runs.items():
        h = stats["history"]
        gap = h["val_loss"][-1] - h["train_loss"][-1]
        lines.append(f"{name:22s} train {h['train_loss'][-1]:.3f}  val {h['val_loss'][-1]:.3f}  "
                     f"gap {gap:+.3f}  best val {stats['best_val_loss']:.3f} at step {stats['best_step']}"
                     + ("  (stopped early)" if stats["stopped_early"] else ""))
    return lines


if __name__ == "__main__":
    import argparse
    import os

    from phase1_tinylm.curves import plot_runs
    from phase1_tinylm.data import load_corpus

    parser = argparse.ArgumentParser(description="Overfit a large MLP on tiny data, then fix it three ways.")
    parser.add_argument("--data", default=None)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--tiny_chars", type=int, default=3000)
    parser.add_argument("--out", default=os.path.join(os.environ.get("AGENTLAB_RUNS", "runs"), "phase1", "overfitting.png"))
    args = parser.parse_args()
    corpus = load_corpus(args.data)
    tok = corpus.tokenizer
    runs = overfitting_experiment(tok.encode(corpus.train_text), tok.encode(corpus.val_text),
                                  tok.vocab_size, args.tiny_chars, args.steps)
    print("\n".join(summarise(runs)))
    plot_runs({k: v["history"] for k, v in runs.items()}, args.out, "a large MLP on tiny data, and three fixes", ncols=2)
    print(f"plot: {args.out}")
