"""Loss curves as a matplotlib figure, and as a small PNG file when given a path.

This module never picks matplotlib's backend: in a notebook the figure shows inline, in a
script `savefig` writes the PNG under any backend (with no display, matplotlib itself falls
back to a non-interactive one).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from shared.atomic_write import atomic_write_bytes


def plot_runs(runs: dict[str, dict], path: str | Path | None = None, title: str = "",
              x_label: str = "step", bits_per_char: bool = True, ncols: int | None = None):
    """One panel per run, train and validation loss against the step. Returns the figure.

    runs: name -> history with lists "step", "train_loss", "val_loss" (nats).
    """
    import matplotlib.pyplot as plt

    scale = 1 / math.log(2) if bits_per_char else 1.0
    ncols = ncols or min(len(runs), 3)
    nrows = math.ceil(len(runs) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.8 * nrows), squeeze=False)
    for ax, (name, hist) in zip(axes.flat, runs.items(), strict=False):
        ax.plot(hist["step"], [v * scale for v in hist["train_loss"]], label="train")
        ax.plot(hist["step"], [v * scale for v in hist["val_loss"]], label="validation")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(x_label, fontsize=8)
        ax.set_ylabel("bits/char" if bits_per_char else "nats/char", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(runs):]:
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    if path is not None:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)  # dpi 80 keeps each file well under 200 KB
        atomic_write_bytes(path, buffer.getvalue())
        plt.close(fig)
    return fig
