"""Lesson 6: evaluating loss, and overfitting.

The training loss says how well the model fits text it has seen; the validation loss how well it
predicts text it has not. A large model on a tiny text learns the text by heart: the training
loss keeps falling while the validation loss turns and climbs. Three fixes, each tried here on
the same model: more data, weight decay (pull the weights towards zero), and early stopping
(keep the parameters from the best validation loss and stop there).
"""

from __future__ import annotations

import os
import sys

import numpy as np

from phase1_tinylm.mlp_numpy import train_mlp
from shared.cli import parse_overrides, run_main

BIG_MODEL = dict(context=8, emb=32, hidden=512)  # ~0.2M parameters
# Strong enough that the weight-decay run ends with a lower validation loss than the overfit
# one (the lesson); with 0.3 the decay barely acts within the run and the two curves coincide.
WEIGHT_DECAY = 3.0


def overfitting_experiment(train_ids, val_ids, vocab_size: int, tiny_chars: int = 3000,
                           steps: int = 1500, eval_every: int = 100, weight_decay: float = WEIGHT_DECAY,
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
    """One line per run: the train and validation loss of the parameters the run ends with (for
    early stopping, the best ones it kept, not the last evaluated), and the best validation loss."""
    lines = []
    for name, stats in runs.items():
        gap = stats["val_loss"] - stats["train_loss"]
        kept = f"  (stopped early, kept step {stats['kept_step']})" if stats["stopped_early"] else ""
        lines.append(f"{name:22s} train {stats['train_loss']:.3f}  val {stats['val_loss']:.3f}  "
                     f"gap {gap:+.3f}  best val {stats['best_val_loss']:.3f} at step {stats['best_step']}{kept}")
    return lines


OPTIONS = dict(data="", steps=1500, tiny_chars=3000, weight_decay=WEIGHT_DECAY, patience=3,
               out=os.path.join(os.environ.get("AGENTLAB_RUNS", "runs"), "phase1", "overfitting.png"))


def main(argv: list[str] | None = None) -> int:
    """Overfit a large MLP on tiny data, then fix it three ways; print the table, save the plot."""
    from phase1_tinylm.curves import plot_runs
    from phase1_tinylm.data import load_corpus

    args = parse_overrides(sys.argv[1:] if argv is None else argv, OPTIONS, __doc__)
    corpus = load_corpus(args["data"] or None)
    tok = corpus.tokenizer
    runs = overfitting_experiment(tok.encode(corpus.train_text), tok.encode(corpus.val_text),
                                  tok.vocab_size, args["tiny_chars"], args["steps"],
                                  weight_decay=args["weight_decay"], patience=args["patience"])
    print("\n".join(summarise(runs)))
    plot_runs({k: v["history"] for k, v in runs.items()}, args["out"],
              "a large MLP on tiny data, and three fixes", ncols=2)
    print(f"plot: {args['out']}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
