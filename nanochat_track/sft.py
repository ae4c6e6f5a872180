"""Stage 4: supervised fine-tuning (SFT). The model learns to write the assistant's turns.

    .venv/bin/python -m nanochat_track.sft --config=cpu-tiny
    .venv/bin/python -m nanochat_track.sft --config=cpu-tiny --sft_steps=100 --sft_lr_frac=0.2
    .venv/bin/python -m nanochat_track.sft --config=cpu-tiny --resume            # continue a run

Unlike mid-training, each conversation is one row of its own (cut at seq_len + 1 tokens), and
only the assistant's tokens are targets: the loss mask of conversation.py (its text, its
python calls, <|assistant_end|>; not the user, not the tool's output). The rows of a
micro-batch are padded to the longest; padding is no target either. The loss of a step is
the mean over all its target tokens, whatever the micro-batch they fell in.

Step s takes conversations s*B .. (s+1)*B - 1 (B = sft_batch_size) of the epochs laid end to
end, each epoch a permutation drawn from (seed, epoch): a resumed run sees the same batches.
Starts from checkpoints/mid.pt when there is one, else model.pt (or --init); writes sft.pt.
"""

from __future__ import annotations

import json
import math
import random
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
    load_chat_model,
    plot_loss,
    resume_from,
    scale_learning_rates,
    start_model,
    synthetic_dir,
)
from .mixture import Mixture
from .optim import lr_multiplier, optimizer_step, setup_optimizers
from .pretrain import autocast_context, save_checkpoint, set_cpu_threads

Example = tuple[list[int], list[int]]  # (ids, loss mask)


def render_examples(tokenizer, conversations: list[list[dict]], seq_len: int, channels: bool) -> list[Example]:
    """Each conversation as (ids, mask), cut at seq_len + 1 tokens; those left with no
    assistant token to learn (cut before the reply) are dropped."""
    examples = []
    for conv in conversations:
        ids, mask = render_conversation(tokenizer, conv, max_tokens=seq_len + 1, channels=channels)
        if sum(mask[1:]) > 0:
            examples.append((ids, mask))
    return examples


def pad_batch(examples: list[Example], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets), each (B, longest - 1): targets are -1 (ignored) where the mask is 0
    and on padding."""
    width = max(len(ids) for ids, _ in examples) - 1
    x = torch.full((len(examples), width), pad_id, dtype=torch.long)
    y = torch.full((len(examples), width), -1, dtype=torch.long)
    for row, (ids, mask) in enumerate(examples):
        n = len(ids) - 1
        x[row, :n] = torch.tensor(ids[:-1])
        targets = torch.tensor(ids[1:])
        y[row, :n] = torch.where(torch.tensor(mask[1:]) == 1, targets, torch.tensor(-1))
    return x, y


def step_examples(examples: list[Example], step: int, batch_size: int, seed: int) -> list[Example]:
    """The `batch_size` examples of optimizer step `step`: epochs laid end to end, each in the
    order of a permutation drawn from (seed, epoch)."""
    out = []
    for k in range(step * batch_size, (step + 1) * batch_size):
        epoch, index = divmod(k, len(examples))
        order = list(range(len(examples)))
        random.Random(f"{seed}:{epoch}").shuffle(order)
        out.append(examples[order[index]])
    return out


@torch.no_grad()
def validation_loss(model, examples: list[Example], cfg: Config, device: torch.device, pad_id: int) -> float:
    """Mean loss (nats) per assistant token over the validation conversations."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for start in range(0, len(examples), cfg.device_batch_size):
        x, y = pad_batch(examples[start:start + cfg.device_batch_size], pad_id)
        with autocast_context(cfg, device):
            total += model(x.to(device), y.to(device), reduction="sum").item()
        count += int((y != -1).sum())
    model.train(was_training)
    return total / max(1, count)


def train_sft(cfg: Config, init: str = "", resume: bool = False, stop_at: int | None = None,
              log=print, progress: bool = True) -> dict:
    """SFT per `cfg`; returns the summary (loss history, validation losses, time, paths)."""
    device = device_of(cfg)
    threads = set_cpu_threads(cfg, 1) if device.type == "cpu" else 0
    run_dir = Path(cfg.run_dir)
    if init:
        init_path = Path(init)
    else:
        mid = run_dir / "checkpoints" / "mid.pt"
        init_path = mid if mid.exists() else run_dir / "checkpoints" / "model.pt"
    out_path = run_dir / "checkpoints" / "sft.pt"
    model, tokenizer, tok_folder = start_model(cfg, init_path, device, log)
    pad_id = tokenizer.special_id("<|assistant_end|>")  # any id will do: padding is never a target

    mixture = Mixture.from_spec(cfg.mixture, synthetic_dir(cfg), cfg.seed)
    train_convs, val_convs = mixture.split()
    examples = render_examples(tokenizer, train_convs, cfg.seq_len, cfg.channels)
    val_examples = render_examples(tokenizer, val_convs, cfg.seq_len, cfg.channels) or examples[:8]
    if not examples:
        raise ConfigError("No conversation has an assistant reply within seq_len tokens: generate "
                          "conversations first or raise --seq_len.")
    num_steps = cfg.sft_steps if cfg.sft_steps > 0 else math.ceil(len(examples) / cfg.sft_batch_size)

    optimizers = setup_optimizers(model, cfg)
    scale_learning_rates(optimizers, cfg.sft_lr_frac)
    start_step, state = 0, {"history": [], "evals": [], "train_time_s": 0.0}
    if resume:
        start_step, state = resume_from(out_path, model, optimizers)
        log(f"resumed from {out_path} at step {start_step}")
    state.update(stage="sft", tokenizer=tok_folder, init=str(init_path))
    n_targets = sum(sum(m[1:]) for _, m in examples)
    log(f"SFT from {init_path.name}: {mixture.describe()} -> {len(examples)} conversations "
        f"({n_targets:,} assistant tokens); {num_steps} steps x {cfg.sft_batch_size} conversations "
        f"= {num_steps * cfg.sft_batch_size / len(examples):.2f} epochs; validation {len(val_examples)}")

    train_time = state["train_time_s"]
    step = start_step
    while True:
        last = step >= num_steps
        if (step % cfg.eval_every == 0 or last) and not (resume and step == start_step):
            val = validation_loss(model, val_examples, cfg, device, pad_id)
            state["evals"].append({"step": step, "val_loss": val})
            log(f"sft step {step:4d} | val loss {val:.4f} (assistant tokens)")
        if last or (stop_at is not None and step == stop_at):
            state["train_time_s"] = train_time
            save_checkpoint(out_path, model, optimizers, step, state, cfg)
            break
        t0 = time.time()
        batch = step_examples(examples, step, cfg.sft_batch_size, cfg.seed)
        micro_batches = [pad_batch(batch[i:i + cfg.device_batch_size], pad_id)
                         for i in range(0, len(batch), cfg.device_batch_size)]
        n_valid = sum(int((y != -1).sum()) for _, y in micro_batches)
        loss_sum = 0.0
        for x, y in micro_batches:
            with autocast_context(cfg, device):
                loss = model(x.to(device), y.to(device), reduction="sum") / n_valid
            loss.backward()
            loss_sum += loss.item()
        lrm = lr_multiplier(step / num_steps, cfg.warmup_frac, cfg.warmdown_frac, cfg.final_lr_frac)
        optimizer_step(model, optimizers, cfg.grad_clip, lrm)
        dt = time.time() - t0
        train_time += dt
        step += 1
        tokens = sum(x.numel() for x, _ in micro_batches)
        record = {"step": step, "loss": loss_sum, "lr_mult": lrm, "dt_s": dt, "targets": n_valid,
                  "tok_per_s": tokens / dt}
        state["history"].append(record)
        if step % cfg.log_every == 0 or step == 1:
            log(f"sft step {step:4d}/{num_steps} | loss {loss_sum:.4f} | lr x{lrm:.2f} | "
                f"{dt * 1000:.0f} ms | {n_valid} targets")

    summary = {"steps": step, "num_steps": num_steps, "conversations": len(examples),
               "val_conversations": len(val_examples), "assistant_tokens": n_targets,
               "mixture": mixture.describe(), "init": str(init_path), "train_time_s": train_time,
               "threads": threads, "device": str(device), "evals": state["evals"],
               "history": state["history"], "checkpoint": str(out_path), "channels": cfg.channels}
    summary["plot"] = str(plot_loss(state["history"], state["evals"], run_dir / "sft_loss.png", "SFT"))
    atomic_write_text(run_dir / "sft.json", json.dumps({k: v for k, v in summary.items() if k != "history"},
                                                       indent=1))
    return summary


SAMPLE_QUESTIONS = ["Who are you?", "How many times does the letter 'r' appear in \"strawberry\"?",
                    "What is 17 times 23?"]


def sample_replies(model, tokenizer, questions: list[str], channels: bool = False,
                   max_tokens: int = 64) -> list[dict]:
    """Greedy replies to one-turn questions, with the analysis shown: {"user", "reply", "raw"}.
    (Plain generation: a python call is not evaluated here; the engine's chat does that.)"""
    from .channels import display
    from .conversation import parse_assistant, render_prompt
    from .engine import generate_tokens

    stops = {tokenizer.special_id("<|assistant_end|>"), tokenizer.bos_id}
    out = []
    for question in questions:
        prompt = render_prompt(tokenizer, [{"role": "user", "content": question}], channels=channels)
        ids = generate_tokens(model, prompt, max_tokens, 1, temperature=0.0, top_k=None, stop_ids=stops)[0]
        reply = display(parse_assistant(tokenizer, ids), show_analysis=True)
        out.append({"user": question, "reply": reply, "raw": tokenizer.decode(ids)})
    return out


EXTRA_FLAGS = {"init": "",  # the checkpoint to start from; "": checkpoints/mid.pt, else model.pt
               "resume": False,  # continue from <run_dir>/checkpoints/sft.pt
               "stop_at": 0}  # > 0: save and stop at this step, as an interruption would


def main(argv: list[str] | None = None) -> int:
    cfg, flags = parse_args(sys.argv[1:] if argv is None else argv, EXTRA_FLAGS, __doc__)
    result = train_sft(cfg, init=flags["init"], resume=flags["resume"], stop_at=flags["stop_at"] or None)
    model, tokenizer, channels = load_chat_model(result["checkpoint"], device_of(cfg))
    for sample in sample_replies(model, tokenizer, SAMPLE_QUESTIONS, channels):
        print(f"user: {sample['user']}\nassistant: {sample['reply']}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
