"""Stage 2: pretraining, on one CPU, one GPU, or many GPUs and nodes under torchrun.

    .venv/bin/python -m nanochat_track.pretrain --config=cpu-tiny
    .venv/bin/python -m nanochat_track.pretrain --config=gpu-1
    .venv/bin/torchrun --standalone --nproc_per_node=8 -m nanochat_track.pretrain --config=d20
    .venv/bin/python -m nanochat_track.pretrain --config=cpu-tiny --resume        # continue a run

One optimizer step = `total_batch_tokens` tokens: every process runs `grad_accum` forward and
backward passes of `device_batch_size` x `seq_len` tokens, DDP averages the gradients, then
AdamW (embedding, head) and Muon (matrices) step. The learning rate follows warm-up, constant,
warm-down over the run; the run's length comes from max_steps, or from tokens_per_param x
parameters, and is cut short by time_budget_s. Every `eval_every` steps the validation bits per
byte are measured. Checkpoints are written atomically with a checksum (checkpoint.py); the
batches are a function of (seed, step, rank), so a resumed run continues the same curve.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist

from shared.atomic_write import atomic_write_text
from shared.cli import run_main
from shared.cpu import cpu_threads

from .checkpoint import CheckpointError, read_checkpoint, write_checkpoint
from .config import Config, ConfigError, as_dict, parse_args
from .dataset import TokenShards, batch_seed
from .gpt import GPT, GPTConfig
from .optim import lr_multiplier, optimizer_step, setup_optimizers
from .tokenizer import Tokenizer

# Peak dense bf16 tensor FLOP/s per GPU (no sparsity), for MFU. Unknown devices report MFU n/a.
PEAK_FLOPS = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L40S": 362e12, "A10G": 125e12,
              "RTX 4090": 165e12, "RTX 3090": 71e12}


@dataclass
class Dist:
    """Where this process runs: its rank among `world_size` processes and its device."""

    ddp: bool
    rank: int
    local_rank: int
    world_size: int
    device: torch.device

    @property
    def master(self) -> bool:
        return self.rank == 0


def setup_distributed(cfg: Config) -> Dist:
    """Read torchrun's RANK/LOCAL_RANK/WORLD_SIZE; start the process group (nccl on CUDA,
    gloo on CPU). Without torchrun: one process, world size 1."""
    want_cuda = cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available())
    if want_cuda and not torch.cuda.is_available():
        raise ConfigError("This config asks for CUDA but no GPU is visible: add --device=cpu "
                          "(and use --config=cpu-tiny for a run that fits a CPU).")
    if "RANK" not in os.environ:
        device = torch.device("cuda", 0) if want_cuda else torch.device("cpu")
        if want_cuda:
            torch.cuda.set_device(device)
        return Dist(False, 0, 0, 1, device)
    rank, local_rank = int(os.environ["RANK"]), int(os.environ["LOCAL_RANK"])
    world_size = int(os.environ["WORLD_SIZE"])
    if want_cuda:
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", device_id=device)
    else:
        device = torch.device("cpu")
        dist.init_process_group("gloo")
    return Dist(world_size > 1, rank, local_rank, world_size, device)


def set_cpu_threads(cfg: Config, world_size: int) -> int:
    """Threads for CPU matrix products: the cores shared among the processes, or 1 on a busy
    machine (see shared.cpu)."""
    threads = cpu_threads(cfg.threads, processes=world_size)
    torch.set_num_threads(threads)
    return threads


def peak_flops(device: torch.device) -> float | None:
    """Peak bf16 FLOP/s of this GPU from PEAK_FLOPS, or None (CPU, unknown GPU)."""
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    for key, value in PEAK_FLOPS.items():
        if key in name:
            return value
    return None


def build_model(cfg: Config, vocab_size: int, device: torch.device) -> GPT:
    torch.manual_seed(cfg.seed)
    model = GPT(GPTConfig.from_run_config(cfg, vocab_size))
    return model.to(device)


def autocast_context(cfg: Config, device: torch.device):
    """bf16 autocast on CUDA (and on CPU if asked); float32 otherwise."""
    dtype = cfg.dtype if cfg.dtype != "auto" else ("bfloat16" if device.type == "cuda" else "float32")
    if dtype == "bfloat16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def evaluate_bpb(model, shards: TokenShards, token_bytes: torch.Tensor, cfg: Config, ctx: Dist,
                 max_tokens: int | None = None) -> float:
    """Validation bits per byte: the summed loss (nats) over target tokens, divided by ln 2
    times the UTF-8 bytes those tokens stand for. Special tokens count neither loss nor bytes.
    Independent of the tokenizer, so runs with different vocabularies compare."""
    was_training = model.training
    model.eval()
    nats = torch.zeros((), dtype=torch.float64, device=ctx.device)
    n_bytes = torch.zeros((), dtype=torch.float64, device=ctx.device)
    batches = shards.sequential(cfg.device_batch_size, cfg.seq_len, max_tokens or cfg.eval_tokens)
    for i, (x, y) in enumerate(batches):
        if i % ctx.world_size != ctx.rank:
            continue
        x, y = x.to(ctx.device), y.to(ctx.device)
        with autocast_context(cfg, ctx.device):
            loss = model(x, y, reduction="none").view(-1)
        weights = token_bytes[y.view(-1)]
        nats += (loss.double() * (weights > 0)).sum()
        n_bytes += weights.sum()
    if ctx.ddp:
        dist.all_reduce(nats)
        dist.all_reduce(n_bytes)
    model.train(was_training)
    if n_bytes.item() == 0:
        return float("nan")
    return (nats / (math.log(2) * n_bytes)).item()


def save_checkpoint(path: Path, model: GPT, optimizers, step: int, state: dict, cfg: Config) -> None:
    """Model, optimizers, step and history in one file with its checksum, written atomically
    (rank 0 only)."""
    write_checkpoint(path, {"model": model.state_dict(), "optimizers": [o.state_dict() for o in optimizers],
                            "step": step, "state": state, "config": as_dict(cfg),
                            "model_config": dict(model.config.__dict__)})


def load_model(checkpoint: str | Path, device: str | torch.device = "cpu") -> tuple[GPT, dict]:
    """A trained GPT from a checkpoint file, in eval mode, and the checkpoint's other fields.
    Raises CheckpointError for a missing, damaged or unfitting file."""
    data = read_checkpoint(checkpoint)
    try:
        model = GPT(GPTConfig(**data["model_config"]))
        model.load_state_dict(data["model"])
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"{checkpoint} does not hold a model this code can build "
                              f"({type(err).__name__}); train again with this version of the code.") from err
    model.to(device).eval()
    return model, data


def train(cfg: Config, resume: bool = False, stop_at: int | None = None, log=print,
          progress: bool = True) -> dict:
    """Pretrain per `cfg` on the shards in <run_dir>/data; returns the run's summary.

    `stop_at` saves a checkpoint and returns at that step, as an interruption would.
    """
    ctx = setup_distributed(cfg)
    say = log if ctx.master else (lambda *a, **k: None)
    run_dir = Path(cfg.run_dir)
    ckpt_path = run_dir / "checkpoints" / "model.pt"
    tokenizer = Tokenizer.load(run_dir / "tokenizer")
    train_data = TokenShards(run_dir / "data", "train")
    val_data = TokenShards(run_dir / "data", "val")
    token_bytes = torch.tensor(tokenizer.token_bytes(), dtype=torch.float64, device=ctx.device)

    raw_model = build_model(cfg, tokenizer.vocab_size, ctx.device)
    n_params = raw_model.num_params()
    flops_per_token = raw_model.flops_per_token()
    optimizers = setup_optimizers(raw_model, cfg)

    tokens_per_pass = cfg.device_batch_size * cfg.seq_len * ctx.world_size
    if cfg.total_batch_tokens % tokens_per_pass:
        raise ConfigError(f"total_batch_tokens ({cfg.total_batch_tokens}) must be a multiple of "
                          f"device_batch_size x seq_len x processes ({tokens_per_pass}).")
    grad_accum = cfg.total_batch_tokens // tokens_per_pass
    if cfg.max_steps > 0:
        num_steps = cfg.max_steps
    else:
        num_steps = max(1, int(cfg.tokens_per_param * n_params) // cfg.total_batch_tokens)

    start_step, state = 0, {"history": [], "evals": [], "train_time_s": 0.0}
    if resume:
        if not ckpt_path.exists():
            raise CheckpointError(f"--resume: no checkpoint at {ckpt_path}; start without --resume.")
        data = read_checkpoint(ckpt_path)
        try:
            raw_model.load_state_dict(data["model"])
            for opt, opt_state in zip(optimizers, data["optimizers"], strict=True):
                opt.load_state_dict(opt_state)
            start_step, state = int(data["step"]), data["state"]
        except (KeyError, TypeError, ValueError, RuntimeError) as err:
            raise CheckpointError(f"--resume: {ckpt_path} does not fit this config ({type(err).__name__}); "
                                  "resume with the settings it was trained with, or start without --resume.") from err
        say(f"resumed from {ckpt_path} at step {start_step}")

    compile_on = cfg.compile == "on" or (cfg.compile == "auto" and ctx.device.type == "cuda")
    model = torch.compile(raw_model, dynamic=False) if compile_on else raw_model
    train_model = model
    if ctx.ddp:
        from torch.nn.parallel import DistributedDataParallel as DDP
        train_model = DDP(model, device_ids=[ctx.local_rank] if ctx.device.type == "cuda" else None)
    peak = peak_flops(ctx.device)
    threads = set_cpu_threads(cfg, ctx.world_size) if ctx.device.type == "cpu" else 0

    say(f"model: depth {cfg.depth}, dim {cfg.model_dim}, heads {cfg.n_head} (kv {cfg.n_kv_head}), "
        f"vocab {tokenizer.vocab_size:,}: {n_params:,} parameters")
    say(f"run: {num_steps} steps x {cfg.total_batch_tokens:,} tokens = "
        f"{num_steps * cfg.total_batch_tokens / 1e6:.2f}M tokens ({cfg.total_batch_tokens * num_steps / n_params:.1f} "
        f"per parameter); grad_accum {grad_accum}, {ctx.world_size} process(es) on {ctx.device.type}, "
        f"compile {'on' if compile_on else 'off'}"
        f"{f', {threads} thread(s)' if threads else ''}; train set {train_data.n_tokens:,} tokens")

    log_path = run_dir / "log.jsonl"
    if ctx.master and not resume:
        log_path.unlink(missing_ok=True)
    train_time = state["train_time_s"]
    step = start_step
    ema_loss = None
    while True:
        progress_frac = step / num_steps
        if cfg.time_budget_s > 0:
            progress_frac = max(progress_frac, train_time / cfg.time_budget_s)
        last = step >= num_steps or progress_frac >= 1.0
        if (step % cfg.eval_every == 0 or last) and not (resume and step == start_step):
            t_eval = time.time()
            bpb = evaluate_bpb(model, val_data, token_bytes, cfg, ctx)
            state["evals"].append({"step": step, "val_bpb": bpb, "tokens": step * cfg.total_batch_tokens})
            say(f"step {step:5d} | val bpb {bpb:.4f} | eval {time.time() - t_eval:.1f}s")
        if ctx.master and (last or (stop_at is not None and step == stop_at)
                           or (cfg.save_every and step % cfg.save_every == 0 and step > start_step)):
            state["train_time_s"] = train_time
            save_checkpoint(ckpt_path, raw_model, optimizers, step, state, cfg)
        if last or (stop_at is not None and step == stop_at):
            break

        t0 = time.time()
        loss_sum = torch.zeros((), device=ctx.device)
        for micro in range(grad_accum):
            x, y = train_data.batch(cfg.device_batch_size, cfg.seq_len,
                                    batch_seed(cfg.seed, step, ctx.rank * grad_accum + micro))
            x, y = x.to(ctx.device, non_blocking=True), y.to(ctx.device, non_blocking=True)
            # Under DDP, gradients are averaged across processes only on the last micro-step.
            sync = contextlib.nullcontext()
            if ctx.ddp and micro < grad_accum - 1:
                sync = train_model.no_sync()
            with sync:
                with autocast_context(cfg, ctx.device):
                    loss = train_model(x, y)
                (loss / grad_accum).backward()
            loss_sum += loss.detach()
        lrm = lr_multiplier(progress_frac, cfg.warmup_frac, cfg.warmdown_frac, cfg.final_lr_frac)
        optimizer_step(raw_model, optimizers, cfg.grad_clip, lrm)
        train_loss = loss_sum / grad_accum
        if ctx.ddp:
            dist.all_reduce(train_loss, op=dist.ReduceOp.AVG)
        train_loss = train_loss.item()  # also waits for the GPU, so the timing below is real
        dt = time.time() - t0
        if step > start_step + 1 or start_step > 0:  # the first steps include compilation
            train_time += dt
        step += 1

        tok_per_s = cfg.total_batch_tokens / dt
        mfu = flops_per_token * tok_per_s / (peak * ctx.world_size) if peak else None
        ema_loss = train_loss if ema_loss is None else 0.9 * ema_loss + 0.1 * train_loss
        record = {"step": step, "loss": train_loss, "lr_mult": lrm, "dt_s": dt,
                  "tok_per_s": tok_per_s, "mfu": mfu, "train_time_s": train_time}
        state["history"].append(record)
        if ctx.master:
            with open(log_path, "a") as handle:
                handle.write(json.dumps(record) + "\n")
        if step % cfg.log_every == 0 or step == 1:
            mfu_text = f"{100 * mfu:.1f}%" if mfu is not None else "n/a"
            say(f"step {step:5d}/{num_steps} | loss {train_loss:.4f} (ema {ema_loss:.4f}) | "
                f"lr x{lrm:.2f} | {dt * 1000:.0f} ms | {tok_per_s:,.0f} tok/s | MFU {mfu_text}")

    timed = [r for r in state["history"][2:]] or state["history"]
    summary = {
        "params": n_params, "flops_per_token": flops_per_token, "steps": step,
        "num_steps": num_steps, "grad_accum": grad_accum, "world_size": ctx.world_size,
        "device": str(ctx.device), "threads": threads, "compile": compile_on, "train_time_s": train_time,
        "tok_per_s": (sum(cfg.total_batch_tokens for _ in timed) / max(1e-9, sum(r["dt_s"] for r in timed)))
        if timed else None,
        "mfu": None, "evals": state["evals"], "history": state["history"], "checkpoint": str(ckpt_path),
        "stopped_early": stop_at is not None and step == stop_at and step < num_steps,
    }
    if peak and summary["tok_per_s"]:
        summary["mfu"] = flops_per_token * summary["tok_per_s"] / (peak * ctx.world_size)
    if ctx.master:
        atomic_write_text(run_dir / "pretrain.json", json.dumps(
            {k: v for k, v in summary.items() if k != "history"}, indent=1))
    if ctx.ddp:
        dist.barrier()
        dist.destroy_process_group()
    return summary


EXTRA_FLAGS = {"resume": False,  # continue from <run_dir>/checkpoints/model.pt
               "stop_at": 0}  # > 0: save and stop at this step, as an interruption would


def main(argv: list[str] | None = None) -> int:
    cfg, flags = parse_args(sys.argv[1:] if argv is None else argv, EXTRA_FLAGS, __doc__)
    if "RANK" not in os.environ or os.environ.get("RANK") == "0":
        if not (Path(cfg.run_dir) / "data" / "meta.json").exists():
            if "RANK" in os.environ:
                raise ConfigError("Prepare the data before torchrun: "
                                  f".venv/bin/python -m nanochat_track.prepare --config={cfg.name}")
            from .prepare import prepare

            prepare(cfg)
    train(cfg, resume=flags["resume"], stop_at=flags["stop_at"] or None)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
