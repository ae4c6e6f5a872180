"""Lesson 8, the training loop: AdamW, warm-up + cosine decay, gradient clipping, periodic
evaluation, checkpoint and resume, on CPU, CUDA or MPS.

    .venv/bin/python -m phase1_tinylm.train_transformer --max_steps=600 --n_layer=4 --out=runs/phase1/tf.npz
    .venv/bin/python -m phase1_tinylm.train_transformer --max_steps=2400 --out=runs/phase1/tf.npz --resume

Resuming restores the weights, the optimizer's moments, the step and both random generators,
so an interrupted run continues exactly as if it had never stopped.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

from phase1_tinylm.checkpoint import CheckpointError, check_shapes, load_model, save_model, settings
from phase1_tinylm.transformer import GPTConfig, TinyTransformer, TransformerLM, pick_device
from shared.cli import parse_overrides, run_main
from shared.cpu import cpu_threads

# Hyperparameters: plain values, each overridable from the command line (--n_layer=2).
DEFAULTS = dict(
    block_size=64, n_layer=2, n_head=4, n_embd=96, dropout=0.0,  # the model
    batch_size=32, max_steps=2000, lr=3e-3, min_lr_ratio=0.1, warmup=50,  # the optimisation
    weight_decay=0.1, grad_clip=1.0, beta2=0.99,
    eval_every=100, eval_tokens=20_000, ckpt_every=200,  # measuring and saving
    max_seconds=0.0,  # > 0: fit max_steps to this training-time budget after a few timed steps
    seed=1337, device="auto", compile=0,
    threads=0,  # CPU threads for torch; 0 = automatic (see shared.cpu)
)
MODEL_TYPES = {"block_size": int, "n_layer": int, "n_head": int, "n_embd": int, "dropout": float}
MODEL_KEYS = tuple(MODEL_TYPES)
# What the command line adds to DEFAULTS (python -m phase1_tinylm.train_transformer).
COMMAND_LINE = dict(data="", max_bytes=0, out="runs/phase1/transformer.npz", resume=False,
                    temperature=0.8, top_k=20)


def lr_at(step: int, cfg: dict) -> float:
    """Linear warm-up, then cosine decay from lr to lr * min_lr_ratio at max_steps."""
    lr, warmup, max_steps = cfg["lr"], cfg["warmup"], cfg["max_steps"]
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, max_steps - warmup))
    return lr * (cfg["min_lr_ratio"] + (1 - cfg["min_lr_ratio"]) * 0.5 * (1 + math.cos(math.pi * progress)))


def get_batch(data: torch.Tensor, block_size: int, batch_size: int, gen: torch.Generator):
    """Random windows of the data: inputs x and the same windows shifted by one, y (B, T)."""
    starts = torch.randint(len(data) - block_size - 1, (batch_size,), generator=gen)
    x = torch.stack([data[s:s + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 1:s + 1 + block_size] for s in starts.tolist()])
    return x, y


IGNORE = -100  # a target cross_entropy skips (its default ignore_index)


@torch.no_grad()
def evaluate(model: torch.nn.Module, data: torch.Tensor, block_size: int, max_tokens: int | None,
             device: str, batch_size: int = 32, spread: bool = False) -> float:
    """Mean NLL (nats) of the targets data[1..n], n = len(data) - 1 or `max_tokens`, in
    consecutive windows of block_size: every target scored once, as the other models score
    them (when n is not a multiple of the window, the last window overlaps the one before and
    only its new targets count). With spread=True, windows evenly spaced through all of `data`
    instead. No randomness: every evaluation scores the same characters."""
    was_training = model.training
    model.eval()
    n = len(data) - 1 if max_tokens is None else min(len(data) - 1, max_tokens)
    window = min(block_size, n)
    if spread:
        starts = torch.linspace(0, len(data) - 1 - window, max(1, n // window)).long()
    else:
        starts = torch.arange(0, n - window + 1, window)
        if n % window:
            starts = torch.cat([starts, torch.tensor([n - window])])
    offsets = torch.arange(window)
    x = data[starts[:, None] + offsets]
    y = data[starts[:, None] + offsets + 1].clone()
    if not spread and n % window:
        y[-1, :window - n % window] = IGNORE  # already scored by the window before
    total, count = 0.0, 0
    for i in range(0, len(starts), batch_size):
        xb, yb = x[i:i + batch_size].to(device), y[i:i + batch_size].to(device)
        _, loss = model(xb, yb)
        scored = int((yb != IGNORE).sum())
        total += loss.item() * scored
        count += scored
    model.train(was_training)
    return total / count


def make_optimizer(model: TinyTransformer, cfg: dict) -> torch.optim.AdamW:
    """AdamW; weight decay on matrices and embeddings only, not on biases and LayerNorm gains."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cfg["weight_decay"]},
              {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg["lr"], betas=(0.9, cfg["beta2"]))


def save_training_checkpoint(path: str | Path, model: TinyTransformer, opt: torch.optim.Optimizer,
                             gen: torch.Generator, step: int, vocab: list[str], cfg: dict,
                             history: dict) -> None:
    """Everything needed to resume: weights, AdamW moments, step, random states (atomic write)."""
    arrays = {f"model/{k}": v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    state = opt.state_dict()
    for i, s in state["state"].items():
        for name, value in s.items():
            arrays[f"optim/{i}/{name}"] = value.detach().cpu().numpy()
    arrays["rng/batches"] = gen.get_state().numpy()
    arrays["rng/torch"] = torch.get_rng_state().numpy()
    groups = [{k: v for k, v in g.items() if k != "params"} for g in state["param_groups"]]
    extra = {"step": step, "history": history, "param_groups": groups,
             "param_group_sizes": [len(g["params"]) for g in state["param_groups"]]}
    save_model(path, "transformer", arrays, vocab, {k: cfg[k] for k in sorted(cfg)}, extra)


def load_transformer(path: str | Path, vocab: list[str] | None = None, device: str = "cpu"):
    """The model stored in a training checkpoint, ready for inference; returns (model, header)."""
    arrays, header = load_model(path, "transformer", vocab)
    model = _model_from(arrays, header, path).to(device)
    return model.eval(), header


def _model_from(arrays: dict, header: dict, path) -> TinyTransformer:
    h = settings(header, MODEL_TYPES, path)
    try:
        model = TinyTransformer(GPTConfig(vocab_size=len(header["vocab"]), **h))
    except (ValueError, RuntimeError) as err:
        raise CheckpointError(f"{path} has settings no model can have ({err}); retrain the model.") from err
    expected = {f"model/{k}": tuple(v.shape) for k, v in model.state_dict().items()}
    check_shapes(arrays, expected, path)
    model.load_state_dict({k[len("model/"):]: torch.from_numpy(np.array(v))
                           for k, v in arrays.items() if k.startswith("model/")})
    return model


def train_transformer(train_ids, val_ids, vocab: list[str], overrides: dict | None = None,
                      out: str | Path | None = None, resume: bool = False, stop_at: int | None = None,
                      progress: bool = True, desc: str = "transformer") -> tuple[TransformerLM, dict]:
    """Train (or resume training of) the transformer; returns the model and its stats.

    `out`: checkpoint file, written every ckpt_every steps and at the end.
    `resume`: continue from `out` if it exists (same vocabulary and model shape required).
    `stop_at`: stop after this step as if interrupted (the checkpoint is saved), for the lesson
    and the tests of resume.
    """
    from tqdm.auto import tqdm

    cfg = {**DEFAULTS, **(overrides or {})}
    unknown = set(cfg) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}; the settings are {sorted(DEFAULTS)}.")
    device = pick_device(cfg["device"])
    if device == "cpu":
        torch.set_num_threads(cpu_threads(cfg["threads"]))  # shared.cpu: 1 when busy
    torch.manual_seed(cfg["seed"])
    train = torch.as_tensor(np.asarray(train_ids), dtype=torch.long)
    val = torch.as_tensor(np.asarray(val_ids), dtype=torch.long)
    gpt = GPTConfig(vocab_size=len(vocab), **{k: cfg[k] for k in MODEL_KEYS})
    model = TinyTransformer(gpt).to(device)
    opt = make_optimizer(model, cfg)
    gen = torch.Generator().manual_seed(cfg["seed"])
    history = {"step": [], "train_loss": [], "val_loss": [], "lr": []}
    start_step = 0
    if resume and out is not None and Path(out).exists():
        start_step, history = _resume(out, model, opt, gen, vocab, cfg, device)
    step_fn = model
    if cfg["compile"]:
        step_fn = torch.compile(model)  # same weights; the first steps are slow while it compiles

    train_time, timed_steps, tokens_per_step = 0.0, 0, cfg["batch_size"] * cfg["block_size"]
    recent: list[float] = [0.0]  # training time at every 10th timed step (time-budget mode)
    step = start_step
    bar = tqdm(total=cfg["max_steps"], initial=start_step, desc=desc, disable=not progress)
    model.train()
    while step < cfg["max_steps"]:
        t0 = time.perf_counter()
        lr = lr_at(step, cfg)
        for group in opt.param_groups:
            group["lr"] = lr
        x, y = get_batch(train, cfg["block_size"], cfg["batch_size"], gen)
        _, loss = step_fn(x.to(device), y.to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
        opt.step()
        batch_loss = loss.item()  # also waits for the GPU, so the timing below is honest
        dt = time.perf_counter() - t0
        if step - start_step >= 3:  # the first steps warm up (and compile); keep them out of tokens/s
            train_time += dt
            timed_steps += 1
        if cfg["max_seconds"] > 0 and timed_steps >= 10 and timed_steps % 10 == 0:
            # Fit max_steps to the training-time budget (evaluation comes on top), again every 10
            # steps from the recent pace, so a machine that slows down still ends near the budget
            # with the learning rate decayed. The first 3 steps are counted as if at that pace.
            recent.append(train_time)
            pace = (recent[-1] - recent[-2]) / 10 if len(recent) >= 2 else train_time / timed_steps
            remaining = cfg["max_seconds"] - (train_time + 3 * pace)
            cfg["max_steps"] = max(step + 1, step + 1 + int(remaining / pace))
            bar.total = cfg["max_steps"]
        step += 1
        bar.update(1)
        last = step == cfg["max_steps"]
        if step % cfg["eval_every"] == 0 or last:
            tl = evaluate(model, train, cfg["block_size"], cfg["eval_tokens"], device, spread=True)
            vl = evaluate(model, val, cfg["block_size"], cfg["eval_tokens"], device)
            for key, value in (("step", step), ("train_loss", tl), ("val_loss", vl), ("lr", lr)):
                history[key].append(value)
            bar.set_postfix(batch=f"{batch_loss:.3f}", val=f"{vl:.3f}", lr=f"{lr:.1e}")
        if out is not None and (step % cfg["ckpt_every"] == 0 or last or step == stop_at):
            save_training_checkpoint(out, model, opt, gen, step, vocab, cfg, history)
        if step == stop_at:
            break
    bar.close()
    stats = {
        "history": history, "steps": step, "train_seconds": train_time,
        "tokens_per_s": timed_steps * tokens_per_step / max(train_time, 1e-9),
        "val_loss": history["val_loss"][-1] if history["val_loss"] else float("nan"),
        "params": model.num_params(), "device": device, "config": cfg,
        "threads": torch.get_num_threads() if device == "cpu" else None,
    }
    return TransformerLM(model, device), stats


def _resume(path, model, opt, gen, vocab, cfg, device) -> tuple[int, dict]:
    arrays, header = load_model(path, "transformer", vocab)
    saved = header["hparams"]
    changed = [k for k in MODEL_KEYS if saved.get(k) != cfg[k]]
    if changed:
        raise CheckpointError(f"{path} was trained with other model settings ({', '.join(changed)}); "
                              "resume with the same settings or start a new file with --out.")
    loaded = _model_from(arrays, header, path)
    model.load_state_dict(loaded.state_dict())
    try:
        step, history = _restore_training_state(arrays, header["extra"], opt, gen)
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"{path} lacks a usable optimizer or random state ({type(err).__name__}); "
                              "start a new file with --out.") from err
    model.to(device)
    return step, history


def _restore_training_state(arrays: dict, extra: dict, opt, gen) -> tuple[int, dict]:
    """AdamW's moments and settings, both random generators; returns (step, history)."""
    state: dict = {"state": {}, "param_groups": []}
    start = 0
    for group, size in zip(extra["param_groups"], extra["param_group_sizes"], strict=True):
        state["param_groups"].append({**group, "params": list(range(start, start + size))})
        start += size
    for key, value in arrays.items():
        if key.startswith("optim/"):
            _, i, name = key.split("/")
            state["state"].setdefault(int(i), {})[name] = torch.from_numpy(np.array(value))
    opt.load_state_dict(state)
    gen.set_state(torch.from_numpy(np.array(arrays["rng/batches"])))
    torch.set_rng_state(torch.from_numpy(np.array(arrays["rng/torch"])))
    return int(extra["step"]), extra["history"]


def main(argv: list[str] | None = None) -> int:
    from phase1_tinylm.bigram import bits
    from phase1_tinylm.data import load_corpus
    from phase1_tinylm.sampling import generate_text

    args = parse_overrides(sys.argv[1:] if argv is None else argv, {**DEFAULTS, **COMMAND_LINE}, __doc__)
    corpus = load_corpus(args.pop("data") or None, args.pop("max_bytes") or None)
    print(corpus.describe())
    tok = corpus.tokenizer
    out, resume = args.pop("out"), args.pop("resume")
    temperature, top_k = args.pop("temperature"), args.pop("top_k")
    lm, stats = train_transformer(tok.encode(corpus.train_text), tok.encode(corpus.val_text),
                                  tok.to_list(), args, out=out, resume=resume)
    print(f"val loss {stats['val_loss']:.4f} nats = {bits(stats['val_loss']):.3f} bits/char, "
          f"{stats['params']:,} parameters, {stats['tokens_per_s']:,.0f} tokens/s on {stats['device']}")
    print(f"checkpoint: {out}")
    print(generate_text(lm, tok, "\ndef ", 300, temperature, top_k, seed=0))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
