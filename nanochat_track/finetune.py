"""What mid-training and SFT share: the model they start from (and its tokenizer, with the
channel tokens when that option is on), resuming from their checkpoints, the learning rate,
and the loss plot. The training loops themselves are in midtrain.py and sft.py.

A chat checkpoint (checkpoints/mid.pt, checkpoints/sft.pt) is written like part 1's
(checkpoint.py: weights_only, SHA-256, atomic) and records in its state the tokenizer folder
it goes with ("tokenizer", or "tokenizer_channels" when the channel tokens were added), so
`load_chat_model` gives back the model, the right tokenizer and whether it speaks in channels.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .channels import grow_vocab, has_channels, with_channels
from .checkpoint import CheckpointError, read_checkpoint
from .config import Config, ConfigError
from .gpt import GPT
from .pretrain import load_model
from .tokenizer import Tokenizer

CHANNEL_TOKENIZER = "tokenizer_channels"  # folder beside tokenizer/ for the tokenizer with channels


def synthetic_dir(cfg: Config) -> Path:
    """Where the synthetic JSON-lines files are: cfg.synthetic_dir or <run_dir>/synthetic."""
    return Path(cfg.synthetic_dir or Path(cfg.run_dir) / "synthetic")


def device_of(cfg: Config) -> torch.device:
    want_cuda = cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available())
    if want_cuda and not torch.cuda.is_available():
        raise ConfigError("This config asks for CUDA but no GPU is visible: add --device=cpu.")
    return torch.device("cuda" if want_cuda else "cpu")


def checkpoint_tokenizer(checkpoint: str | Path, data: dict) -> Tokenizer:
    """The tokenizer a checkpoint was trained with: the folder its state names, beside
    checkpoints/ ("tokenizer" for part 1's checkpoints)."""
    folder = data.get("state", {}).get("tokenizer", "tokenizer")
    return Tokenizer.load(Path(checkpoint).resolve().parents[1] / folder)


def load_chat_model(checkpoint: str | Path, device: str | torch.device = "cpu") -> tuple[GPT, Tokenizer, bool]:
    """(model, its tokenizer, whether it was trained with channels) from any checkpoint of a
    run: model.pt, mid.pt or sft.pt."""
    model, data = load_model(checkpoint, device)
    tokenizer = checkpoint_tokenizer(checkpoint, data)
    return model, tokenizer, bool(data.get("config", {}).get("channels", False))


def start_model(cfg: Config, checkpoint: Path, device: torch.device, log=print) -> tuple[GPT, Tokenizer, str]:
    """The model to fine-tune from `checkpoint`, its tokenizer, and that tokenizer's folder
    name. With cfg.channels the tokenizer gains the channel tokens (saved to
    <run_dir>/tokenizer_channels) and the model three rows in its embedding and head."""
    if not checkpoint.is_file():
        raise CheckpointError(f"No checkpoint at {checkpoint} to start from: pretrain first "
                              f"(.venv/bin/python -m nanochat_track.pretrain --config={cfg.name}) or pass --init=PATH.")
    model, data = load_model(checkpoint, device)
    tokenizer = checkpoint_tokenizer(checkpoint, data)
    folder = data.get("state", {}).get("tokenizer", "tokenizer")
    if cfg.channels and not has_channels(tokenizer):
        tokenizer = with_channels(tokenizer)
        folder = CHANNEL_TOKENIZER
        tokenizer.save(Path(cfg.run_dir) / folder)
        log(f"channels on: tokenizer + {', '.join(tokenizer.special_tokens[-3:])} "
            f"({tokenizer.vocab_size} tokens) in {Path(cfg.run_dir) / folder}")
    grow_vocab(model, tokenizer.vocab_size, seed=cfg.seed)
    model.train()
    return model, tokenizer, folder


def resume_from(path: Path, model: GPT, optimizers: list) -> tuple[int, dict]:
    """Load model and optimizer state from a fine-tuning checkpoint; returns (step, state)."""
    if not path.exists():
        raise CheckpointError(f"--resume: no checkpoint at {path}; start without --resume.")
    data = read_checkpoint(path)
    try:
        model.load_state_dict(data["model"])
        for opt, opt_state in zip(optimizers, data["optimizers"], strict=True):
            opt.load_state_dict(opt_state)
        return int(data["step"]), data["state"]
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"--resume: {path} does not fit this config ({type(err).__name__}); resume "
                              "with the settings it was trained with, or start without --resume.") from err


def scale_learning_rates(optimizers: list, frac: float) -> None:
    """Every group's initial_lr x frac (fine-tuning runs at a fraction of pretraining's rates)."""
    for opt in optimizers:
        for group in opt.param_groups:
            group["initial_lr"] *= frac
            group["lr"] = group["initial_lr"]


def plot_loss(history: list[dict], evals: list[dict], path: Path, title: str) -> Path | None:
    """Training loss per step and validation loss at its steps, one axis (PNG)."""
    if not history:
        return None
    import matplotlib.pyplot as plt  # the backend is the caller's: inline in a notebook

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot([r["step"] for r in history], [r["loss"] for r in history], label="train")
    if evals:
        ax.plot([e["step"] for e in evals], [e["val_loss"] for e in evals], marker="o", label="validation")
    ax.set(xlabel="step", ylabel="loss (nats/token)", title=title)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
