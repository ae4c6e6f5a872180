"""Stage 3: mid-training. The pretrained model reads conversations until the chat format
(<|user_start|> ... <|assistant_start|> ... <|python_start|> ...) is familiar.

    .venv/bin/python -m nanochat_track.midtrain --config=cpu-tiny
    .venv/bin/python -m nanochat_track.midtrain --config=cpu-tiny --mixture=identity:4,reasoning:1 --mid_steps=100
    .venv/bin/python -m nanochat_track.midtrain --config=cpu-tiny --resume        # continue a run

The objective is still plain language modelling: every token of the rendered conversations
is a target, the user's included (SFT then trains on the assistant's tokens only). The
mixture's conversations (config `mixture`, SOURCE:EPOCHS; mixture.py) are rendered, joined
into one token stream, and cut into rows of seq_len + 1 tokens; step s reads rows s*R ..
(s+1)*R - 1 (R rows per step), wrapping around, so a resumed run reads the same batches.
Starts from <run_dir>/checkpoints/model.pt (or --init), writes checkpoints/mid.pt.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch

from shared.atomic_write import atomic_write_text
from shared.cli import run_main

from .config import Config, ConfigError, parse_args
from .conversation import render_conversation
from .finetune import (
    device_of,
    plot_loss,
    resume_from,
    scale_learning_rates,
    start_model,
    synthetic_dir,
)
from .mixture import Mixture
from .optim import lr_multiplier, optimizer_step, setup_optimizers
from .pretrain import autocast_context, save_checkpoint, set_cpu_threads


def token_stream(tokenizer, conversations: list[list[dict]], channels: bool) -> torch.Tensor:
    """The conversations rendered and joined (each starts with <|bos|>), as one int64 tensor."""
    ids: list[int] = []
    for conv in conversations:
        ids += render_conversation(tokenizer, conv, channels=channels)[0]
    return torch.tensor(ids, dtype=torch.long)


def stream_rows(stream: torch.Tensor, seq_len: int, allow_short: bool = False) -> torch.Tensor:
    """Non-overlapping windows of seq_len + 1 tokens (inputs and shifted targets): (N, seq_len+1).
    `allow_short`: a stream shorter than that (a small validation set) is one shorter row."""
    if allow_short and 1 < len(stream) <= seq_len:
        return stream[None, :]
    n = (len(stream) - 1) // seq_len
    if n < 1:
        raise ConfigError(f"The mixture holds {len(stream)} tokens, fewer than one sequence of "
                          f"{seq_len}: generate more conversations or lower --seq_len.")
    return torch.stack([stream[i * seq_len:i * seq_len + seq_len + 1] for i in range(n)])


def step_batch(rows: torch.Tensor, step: int, micro: int, batch_size: int, grad_accum: int) -> torch.Tensor:
    """The rows of micro-batch `micro` of optimizer step `step` (wrapping around the data)."""
    first = (step * grad_accum + micro) * batch_size
    return rows[[(first + j) % len(rows) for j in range(batch_size)]]


@torch.no_grad()
def validation_loss(model, rows: torch.Tensor, cfg: Config, device: torch.device) -> float:
    """Mean loss (nats per token) over the validation rows."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for start in range(0, len(rows), cfg.device_batch_size):
        window = rows[start:start + cfg.device_batch_size].to(device)
        with autocast_context(cfg, device):
            loss = model(window[:, :-1], window[:, 1:], reduction="sum")
        total += loss.item()
        count += window[:, 1:].numel()
    model.train(was_training)
    return total / max(1, count)


def train_mid(cfg: Config, init: str = "", resume: bool = False, stop_at: int | None = None,
              log=print, progress: bool = True) -> dict:
    """Mid-train per `cfg`; returns the summary (loss history, validation losses, time, paths)."""
    device = device_of(cfg)
    threads = set_cpu_threads(cfg, 1) if device.type == "cpu" else 0
    run_dir = Path(cfg.run_dir)
    init_path = Path(init) if init else run_dir / "checkpoints" / "model.pt"
    out_path = run_dir / "checkpoints" / "mid.pt"
    model, tokenizer, tok_folder = start_model(cfg, init_path, device, log)

    mixture = Mixture.from_spec(cfg.mixture, synthetic_dir(cfg), cfg.seed)
    train_convs, val_convs = mixture.split()
    rows = stream_rows(token_stream(tokenizer, train_convs, cfg.channels), cfg.seq_len)
    val_rows = stream_rows(token_stream(tokenizer, val_convs or train_convs[:8], cfg.channels), cfg.seq_len,
                           allow_short=True)
    rows_per_step = cfg.total_batch_tokens // cfg.seq_len
    if rows_per_step % cfg.device_batch_size or rows_per_step == 0:
        raise ConfigError(f"total_batch_tokens ({cfg.total_batch_tokens}) must be a multiple of "
                          f"device_batch_size x seq_len ({cfg.device_batch_size * cfg.seq_len}).")
    grad_accum = rows_per_step // cfg.device_batch_size
    num_steps = cfg.mid_steps

    optimizers = setup_optimizers(model, cfg)
    scale_learning_rates(optimizers, cfg.mid_lr_frac)
    start_step, state = 0, {"history": [], "evals": [], "train_time_s": 0.0}
    if resume:
        start_step, state = resume_from(out_path, model, optimizers)
        log(f"resumed from {out_path} at step {start_step}")
    state.update(stage="mid", tokenizer=tok_folder, init=str(init_path))
    log(f"mid-training: {mixture.describe()} -> {len(train_convs)} conversations, {rows.numel():,} tokens "
        f"({len(rows)} rows of {cfg.seq_len}); {num_steps} steps x {cfg.total_batch_tokens:,} tokens "
        f"= {num_steps * rows_per_step / len(rows):.2f} epochs; validation {len(val_convs)} conversations")

    train_time = state["train_time_s"]
    step = start_step
    while True:
        last = step >= num_steps
        if (step % cfg.eval_every == 0 or last) and not (resume and step == start_step):
            val = validation_loss(model, val_rows, cfg, device)
            state["evals"].append({"step": step, "val_loss": val})
            log(f"mid step {step:4d} | val loss {val:.4f}")
        if last or (stop_at is not None and step == stop_at):
            state["train_time_s"] = train_time
            save_checkpoint(out_path, model, optimizers, step, state, cfg)
            break
        t0 = time.time()
        loss_sum = 0.0
        for micro in range(grad_accum):
            window = step_batch(rows, step, micro, cfg.device_batch_size, grad_accum).to(device)
            with autocast_context(cfg, device):
                loss = model(window[:, :-1], window[:, 1:])
            (loss / grad_accum).backward()
            loss_sum += loss.item()
        lrm = lr_multiplier(step / num_steps, cfg.warmup_frac, cfg.warmdown_frac, cfg.final_lr_frac)
        optimizer_step(model, optimizers, cfg.grad_clip, lrm)
        dt = time.time() - t0
        train_time += dt
        step += 1
        record = {"step": step, "loss": loss_sum / grad_accum, "lr_mult": lrm, "dt_s": dt,
                  "tok_per_s": cfg.total_batch_tokens / dt}
        state["history"].append(record)
        if step % cfg.log_every == 0 or step == 1:
            log(f"mid step {step:4d}/{num_steps} | loss {record['loss']:.4f} | lr x{lrm:.2f} | "
                f"{dt * 1000:.0f} ms | {record['tok_per_s']:,.0f} tok/s")

    summary = {"steps": step, "num_steps": num_steps, "conversations": len(train_convs),
               "val_conversations": len(val_convs), "tokens": rows.numel(), "mixture": mixture.describe(),
               "train_time_s": train_time, "threads": threads, "device": str(device),
               "tok_per_s": sum(cfg.total_batch_tokens for _ in state["history"]) / max(1e-9, train_time),
               "evals": state["evals"], "history": state["history"], "checkpoint": str(out_path),
               "channels": cfg.channels}
    summary["plot"] = str(plot_loss(state["history"], state["evals"], run_dir / "mid_loss.png", "mid-training"))
    atomic_write_text(run_dir / "mid.json", json.dumps({k: v for k, v in summary.items() if k != "history"},
                                                       indent=1))
    return summary


EXTRA_FLAGS = {"init": "",  # the checkpoint to start from; "": <run_dir>/checkpoints/model.pt
               "resume": False,  # continue from <run_dir>/checkpoints/mid.pt
               "stop_at": 0}  # > 0: save and stop at this step, as an interruption would


def main(argv: list[str] | None = None) -> int:
    cfg, flags = parse_args(sys.argv[1:] if argv is None else argv, EXTRA_FLAGS, __doc__)
    train_mid(cfg, init=flags["init"], resume=flags["resume"], stop_at=flags["stop_at"] or None)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
