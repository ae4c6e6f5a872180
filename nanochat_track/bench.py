"""Throughput benchmark: tokens/s and MFU of one config's training step, on random tokens (no
corpus needed), written to runs/bench/nanochat_<config>.json.

    .venv/bin/python -m nanochat_track.bench --config=cpu-tiny --steps=10
    .venv/bin/python -m nanochat_track.bench --config=gpu-1 --steps=30   # on one H100: aim > 40% MFU

The first steps (compilation, allocator warm-up) are excluded from the figures.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import torch

from shared.atomic_write import atomic_write_text
from shared.cli import run_main

from .config import Config, as_dict, parse_args
from .optim import setup_optimizers
from .pretrain import autocast_context, build_model, peak_flops, set_cpu_threads, setup_distributed

EXTRA_FLAGS = {"steps": 10,  # timed steps
               "warmup": 3}  # steps run first and not timed (compilation, allocator warm-up)


def bench_dir() -> Path:
    """runs/bench under $AGENTLAB_RUNS or the repository's runs/ folder."""
    return Path(os.environ.get("AGENTLAB_RUNS") or Path(__file__).resolve().parents[1] / "runs") / "bench"


def bench(cfg: Config, steps: int = 10, warmup: int = 3) -> dict:
    """Time `steps` training steps of `cfg` on random tokens after `warmup` untimed ones; the
    figures are printed and written to runs/bench/nanochat_<config>.json."""
    ctx = setup_distributed(cfg)
    threads = set_cpu_threads(cfg, ctx.world_size) if ctx.device.type == "cpu" else 0
    model = build_model(cfg, cfg.vocab_size, ctx.device)
    optimizers = setup_optimizers(model, cfg)
    compile_on = cfg.compile == "on" or (cfg.compile == "auto" and ctx.device.type == "cuda")
    run = torch.compile(model, dynamic=False) if compile_on else model
    grad_accum = max(1, cfg.total_batch_tokens // (cfg.device_batch_size * cfg.seq_len))
    gen = torch.Generator().manual_seed(0)
    times = []
    for step in range(warmup + steps):
        t0 = time.time()
        for _ in range(grad_accum):
            x = torch.randint(0, cfg.vocab_size, (cfg.device_batch_size, cfg.seq_len + 1), generator=gen)
            x = x.to(ctx.device)
            with autocast_context(cfg, ctx.device):
                loss = run(x[:, :-1], x[:, 1:])
            (loss / grad_accum).backward()
        for opt in optimizers:
            opt.step()
        model.zero_grad(set_to_none=True)
        loss.item()  # waits for the device
        if step >= warmup:
            times.append(time.time() - t0)
        print(f"step {step + 1}/{warmup + steps}: {time.time() - t0:.3f}s{' (warm-up)' if step < warmup else ''}")
    tokens = grad_accum * cfg.device_batch_size * cfg.seq_len
    tok_per_s = tokens * len(times) / sum(times)
    peak = peak_flops(ctx.device)
    result = {"config": as_dict(cfg), "device": torch.cuda.get_device_name(0) if ctx.device.type == "cuda"
              else f"cpu ({os.cpu_count()} cores, {threads} thread(s))", "params": model.num_params(),
              "compile": compile_on, "tokens_per_step": tokens, "step_s": sum(times) / len(times),
              "tok_per_s": tok_per_s,
              "mfu": model.flops_per_token() * tok_per_s / peak if peak else None}
    mfu = f"{100 * result['mfu']:.1f}%" if result["mfu"] else "n/a"
    print(f"{cfg.name}: {result['params']:,} parameters, {tok_per_s:,.0f} tokens/s, MFU {mfu} on {result['device']}")
    atomic_write_text(bench_dir() / f"nanochat_{cfg.name}.json", json.dumps(result, indent=1))
    return result


def generation_speed(model, prompt: list[int], max_tokens: int = 64, batch_sizes: tuple[int, ...] = (1, 4),
                     seed: int = 0) -> dict:
    """Tokens/s of sampling with the KV cache (engine.generate, no stop token, so exactly
    `max_tokens` per sample), per batch size: {"batch_<n>": {"tokens", "seconds", "tok_per_s"}},
    plus "prefill_tokens". Counts the generated tokens of all samples; the prefill is included
    in the time (as a user waits for it)."""
    from .engine import generate

    out: dict = {"prefill_tokens": len(prompt), "max_tokens": max_tokens}
    for n in batch_sizes:
        t0 = time.perf_counter()
        steps = sum(1 for _ in generate(model, prompt, max_tokens, n, temperature=1.0, top_k=50, seed=seed))
        dt = time.perf_counter() - t0
        out[f"batch_{n}"] = {"tokens": steps * n, "seconds": dt, "tok_per_s": steps * n / dt}
    return out


def main(argv: list[str] | None = None) -> int:
    cfg, flags = parse_args(sys.argv[1:] if argv is None else argv, EXTRA_FLAGS, __doc__)
    bench(cfg, flags["steps"], flags["warmup"])
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
