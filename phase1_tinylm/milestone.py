"""The milestone (`make run`): train the bigram, the numpy MLP and the transformer on the same
corpus, compare them on the same validation characters, save each, and write the write-up.

    .venv/bin/python -m phase1_tinylm.milestone              # default sizes, about 70 s on 2 idle cores
    .venv/bin/python -m phase1_tinylm.milestone --data=shakespeare.txt --tf_max_steps=1200

Everything it writes goes under runs/phase1/ (git ignores it): the models and results.json in
runs/phase1/milestone/, the write-up in runs/phase1/WRITEUP.md with its two PNG figures beside it.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from phase1_tinylm.bigram import bits, train_bigram
from phase1_tinylm.checkpoint import save_bigram, save_mlp
from phase1_tinylm.curves import plot_runs
from phase1_tinylm.data import load_corpus
from phase1_tinylm.mlp_numpy import train_mlp
from phase1_tinylm.neural_bigram import train_pure_bigram
from phase1_tinylm.sampling import generate_text
from phase1_tinylm.train_transformer import DEFAULTS as TF_DEFAULTS
from phase1_tinylm.train_transformer import train_transformer
from shared.cli import parse_overrides, run_main
from shared.errors import AgentlabError

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# Hyperparameters: plain values, each overridable from the command line (--mlp_hidden=512).
SETTINGS = dict(
    data="", max_bytes=0,  # "" = the standard-library corpus; max_bytes 0 = the default size
    eval_tokens=20_000,  # validation characters scored during training (the final score uses all)
    pure_steps=1000, pure_lr=10.0,  # the pure-Python neural bigram
    mlp_context=12, mlp_emb=24, mlp_hidden=384, mlp_steps=3000, mlp_batch=128, mlp_lr=3e-3,
    mlp_weight_decay=0.0,
    **{f"tf_{k}": v for k, v in TF_DEFAULTS.items()},
    sample_chars=300, temperature=0.8, top_k=20, seed=0, prompt="\ndef ",
    out="",  # run folder; "" = runs/phase1/milestone
    writeup="",  # "" = runs/phase1/WRITEUP.md
)
FAST = dict(max_bytes=200_000, eval_tokens=4000, pure_steps=200, mlp_steps=300, tf_max_steps=60,
            tf_eval_every=30, tf_ckpt_every=60, tf_n_layer=2, tf_n_embd=64, sample_chars=120)


def runs_dir() -> Path:
    """Where run outputs go: $AGENTLAB_RUNS/phase1, else runs/phase1 in the repository."""
    return Path(os.environ.get("AGENTLAB_RUNS", REPO / "runs")) / "phase1"


def run_all(settings: dict, progress: bool = True) -> dict:
    """Train the models and measure them; returns a results dict (also saved as results.json)."""
    s = settings
    corpus = load_corpus(s["data"] or None, s["max_bytes"] or None)
    out = Path(s["out"]) if s["out"] else runs_dir() / "milestone"
    out.mkdir(parents=True, exist_ok=True)
    print(corpus.describe(), flush=True)
    tok = corpus.tokenizer
    train_ids = np.array(tok.encode(corpus.train_text), dtype=np.int64)
    val_ids = np.array(tok.encode(corpus.val_text), dtype=np.int64)
    vocab = tok.to_list()
    results: dict = {
        "corpus": {"source": corpus.source, "chars": len(corpus.text), "sha256": corpus.sha256,
                   "files": len(corpus.files), "vocab_size": tok.vocab_size,
                   "train_chars": len(train_ids), "val_chars": len(val_ids)},
        "settings": s, "machine": machine(), "models": {}, "samples": {}, "out": str(out),
    }
    pad_id = tok.stoi.get("\n", 0)
    sample = dict(prompt=s["prompt"], n_new=s["sample_chars"], temperature=s["temperature"],
                  top_k=s["top_k"] or None, seed=s["seed"])

    # 1. The counting bigram.
    bigram, st = train_bigram(train_ids, val_ids, tok.vocab_size)
    save_bigram(out / "bigram.npz", bigram, vocab)
    results["models"]["bigram"] = _row(st["val_loss"], st["params"], st["train_seconds"], st["tokens_per_s"],
                                       alpha=st["alpha"], alpha_scores=st["alpha_scores"])
    results["samples"]["bigram"] = generate_text(bigram, tok, **sample)
    print(f"bigram: val {st['val_loss']:.4f} nats ({bits(st['val_loss']):.3f} bits/char), alpha {st['alpha']}", flush=True)

    # 2. The pure-Python neural bigram (the lesson in gradients; it should approach the counts).
    pure, st = train_pure_bigram(list(train_ids), list(val_ids), tok.vocab_size, steps=s["pure_steps"],
                                 lr=s["pure_lr"], seed=s["seed"], progress=progress)
    results["models"]["neural bigram (pure Python)"] = _row(st["val_loss"], tok.vocab_size ** 2, st["train_seconds"],
                                                            st["tokens_per_s"])
    results["curves"] = {"neural bigram (pure Python)": st["history"]}

    # 3. The numpy MLP.
    mlp, st = train_mlp(train_ids, val_ids, tok.vocab_size, context=s["mlp_context"], emb=s["mlp_emb"],
                        hidden=s["mlp_hidden"], steps=s["mlp_steps"], batch_size=s["mlp_batch"],
                        lr=s["mlp_lr"], weight_decay=s["mlp_weight_decay"], eval_every=max(1, s["mlp_steps"] // 15),
                        eval_tokens=s["eval_tokens"], seed=s["seed"], pad_id=pad_id, progress=progress)
    save_mlp(out / "numpy_mlp.npz", mlp, vocab, st["hparams"])
    mlp_val = mlp.loss(val_ids)
    results["models"]["numpy MLP"] = _row(mlp_val, st["params"], st["train_seconds"], st["tokens_per_s"],
                                          hparams=st["hparams"])
    results["curves"]["numpy MLP"] = st["history"]
    results["samples"]["numpy MLP"] = generate_text(mlp, tok, **sample)
    print(f"numpy MLP: val {mlp_val:.4f} nats ({bits(mlp_val):.3f} bits/char)", flush=True)

    # 4. The transformer (its checkpoint doubles as the saved model).
    tf_cfg = {k[3:]: v for k, v in s.items() if k.startswith("tf_")}
    tf_cfg["eval_tokens"] = s["eval_tokens"]
    ckpt = out / "transformer.npz"
    ckpt.unlink(missing_ok=True)  # a fresh run, not a resume
    lm, st = train_transformer(train_ids, val_ids, vocab, tf_cfg, out=ckpt, progress=progress)
    tf_val = lm.loss(val_ids)
    results["models"]["transformer"] = _row(tf_val, st["params"], st["train_seconds"], st["tokens_per_s"],
                                            device=st["device"], config=st["config"])
    results["machine"]["torch_threads"] = st["threads"]
    results["machine"]["load_average_end"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    results["curves"]["transformer"] = st["history"]
    results["samples"]["transformer"] = generate_text(lm, tok, **sample)
    results["temperature_samples"] = {
        str(t): generate_text(lm, tok, s["prompt"], s["sample_chars"] // 2, t, s["top_k"] or None, s["seed"])
        for t in (0.5, 1.0, 1.3)}
    print(f"transformer: val {tf_val:.4f} nats ({bits(tf_val):.3f} bits/char)", flush=True)

    from shared.atomic_write import atomic_write_text

    atomic_write_text(out / "results.json", json.dumps(results, indent=1, default=str))
    results["objects"] = {"bigram": bigram, "numpy MLP": mlp, "transformer": lm}  # not in the JSON
    return results


def _row(val_loss: float, params: int, seconds: float, tokens_per_s: float, **extra) -> dict:
    return {"val_loss": float(val_loss), "val_bits": bits(val_loss), "params": int(params),
            "train_seconds": float(seconds), "tokens_per_s": float(tokens_per_s), **extra}


def machine() -> dict:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "platform": platform.platform(), "load_average_1min": load}


def write_writeup(results: dict, path: Path, total_seconds: float) -> None:
    """WRITEUP.md and its figures (PNG files beside it), from the results of a real run."""
    from shared.atomic_write import atomic_write_text

    path.parent.mkdir(parents=True, exist_ok=True)
    curves_png = path.with_name(path.stem.lower() + "_loss_curves.png")
    bars_png = path.with_name(path.stem.lower() + "_models.png")
    plot_runs(results["curves"], curves_png, "training and validation loss")
    plot_bars(results["models"], bars_png)
    models, corpus, m = results["models"], results["corpus"], results["machine"]
    s = results["settings"]
    lines = [
        "# Phase 1 write-up: a tiny character-level language model, bigram to transformer",
        "",
        f"Generated by `make run` (`.venv/bin/python -m phase1_tinylm.milestone`) on {time.strftime('%Y-%m-%d %H:%M')} "
        f"in {total_seconds:.0f} s in all. Every figure below was measured in that run.",
        "",
        "## The data",
        "",
        f"- corpus: {corpus['source']} ({corpus['files']} files), {corpus['chars']:,} characters, "
        f"sha256 `{corpus['sha256'][:16]}…`",
        f"- vocabulary: {corpus['vocab_size']} ids (the training text's characters + 1 unknown)",
        f"- split: the first 90% trains ({corpus['train_chars']:,} chars), the last 10% validates "
        f"({corpus['val_chars']:,} chars); every model is scored on the same characters, each character of "
        f"the validation text after the first (the transformer reads it in consecutive windows of its "
        f"context, so the first characters of each window see less context than the MLP's)",
        f"- machine: {m['cpus']} CPUs, torch {m['torch']} (CPU threads: {m['torch_threads']}), numpy {m['numpy']}, "
        f"Python {m['python']}; load average {m['load_average_1min']:.1f} at the start, "
        f"{m.get('load_average_end') or 0:.1f} at the end"
        + (" (other programs shared the cores: times are slower than on an idle machine)"
           if max(m['load_average_1min'] or 0, m.get('load_average_end') or 0) > (m['cpus'] or 1) else ""),
        "",
        "## Results",
        "",
        "| model | val loss (nats/char) | val bits/char | parameters | training time (s) | training tokens/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in models.items():
        lines.append(f"| {name} | {r['val_loss']:.4f} | {r['val_bits']:.3f} | {r['params']:,} | "
                     f"{r['train_seconds']:.1f} | {r['tokens_per_s']:,.0f} |")
    tf, mlp, bg = models["transformer"], models["numpy MLP"], models["bigram"]
    cfg = tf["config"]
    lines += [
        "",
        "Training time counts the optimisation steps only (evaluation and the first warm-up steps of "
        "the transformer are left out); tokens/s is the number of predicted characters trained on per "
        "second. The bigram \"trains\" by counting, hence its enormous rate.",
        "",
        f"![loss curves]({curves_png.name})",
        "",
        f"![validation bits per character]({bars_png.name})",
        "",
        "## The models",
        "",
        f"- **bigram**: a {corpus['vocab_size']}×{corpus['vocab_size']} table of counts, add-α smoothing with "
        f"α = {bg['alpha']} chosen on validation ({', '.join(f'α={a}: {v:.4f}' for a, v in bg['alpha_scores'].items())} nats).",
        f"- **neural bigram (pure Python)**: the same table learned by gradient descent in plain Python "
        f"({s['pure_steps']} steps of 64 pairs); it approaches the counting bigram from above.",
        f"- **numpy MLP**: context {mlp['hparams']['context']} characters, embeddings of {mlp['hparams']['emb']}, "
        f"one tanh layer of {mlp['hparams']['hidden']}; {mlp['hparams']['steps']} steps of {mlp['hparams']['batch_size']} "
        f"with hand-written AdamW, warm-up and cosine decay.",
        f"- **transformer**: {cfg['n_layer']} pre-norm blocks, {cfg['n_head']} heads, width {cfg['n_embd']}, "
        f"context {cfg['block_size']}; {cfg['max_steps']} steps of {cfg['batch_size']}×{cfg['block_size']} characters, "
        f"AdamW (lr {cfg['lr']}, weight decay {cfg['weight_decay']}), {cfg['warmup']} warm-up steps then cosine "
        f"decay, gradient clipping at {cfg['grad_clip']}, on {tf['device']}.",
        "",
        "## Samples",
        "",
        f"Each model continues the prompt `{s['prompt']!r}` with temperature {s['temperature']}, top-k {s['top_k']}, seed {s['seed']}.",
        "",
    ]
    for name, text in results["samples"].items():
        lines += [f"**{name}**", "", "```text", text.replace("```", "'''"), "```", ""]
    lines += [
        "## What changed the output",
        "",
        f"- **Context.** The bigram sees one character and scores {bg['val_bits']:.3f} bits/char. Letting the "
        f"MLP see {mlp['hparams']['context']} characters through learned embeddings brings it to "
        f"{mlp['val_bits']:.3f} (−{bg['val_bits'] - mlp['val_bits']:.3f} bits/char). Compare the samples: the "
        f"bigram only knows which letter tends to follow which; the MLP strings together short words, "
        f"`self`, and indentation.",
        f"- **Attention.** The transformer looks at {cfg['block_size']} characters and chooses which ones matter: "
        f"{tf['val_bits']:.3f} bits/char, {bg['val_bits'] - tf['val_bits']:.3f} below the bigram and "
        f"{mlp['val_bits'] - tf['val_bits']:.3f} below the MLP, with more of the shape of code (calls, "
        f"attributes, nested brackets) in its samples.",
        f"- **Smoothing.** For the bigram, α = {bg['alpha']} scored best on validation (the list above); too much "
        "smoothing flattens real patterns, too little makes unseen pairs nearly impossible.",
        "- **Optimisation.** Adam with a short warm-up and cosine decay trains both neural models in "
        f"minutes. Over the last evaluations the validation loss still fell by {still_falling(results, 'numpy MLP'):.3f} "
        f"(MLP) and {still_falling(results, 'transformer'):.3f} (transformer) bits/char: more steps would "
        "still help (`--mlp_steps`, `--tf_max_steps`).",
        "- **Temperature.** Lower temperature gives safer, more repetitive text, higher gives more "
        "variety and more mistakes (the transformer, same seed):",
        "",
    ]
    for t, text in results["temperature_samples"].items():
        lines += [f"temperature {t}:", "", "```text", text.replace("```", "'''"), "```", ""]
    lines += [
        "Overfitting, and what fixes it (more data, weight decay, early stopping), is measured in "
        "lesson 6 (`notebooks/04_overfitting.ipynb`, `make -C phase1_tinylm overfit`).",
        "",
        "Reproduce: `make -C phase1_tinylm run` (settings: `.venv/bin/python -m phase1_tinylm.milestone --help`).",
        "",
    ]
    atomic_write_text(path, "\n".join(lines))


def still_falling(results: dict, name: str) -> float:
    """How much the validation loss fell (bits/char) between the last two evaluations."""
    val = results["curves"][name]["val_loss"]
    return bits(val[-2] - val[-1]) if len(val) >= 2 else 0.0


def plot_bars(models: dict, path: Path) -> None:
    import io

    import matplotlib.pyplot as plt

    from shared.atomic_write import atomic_write_bytes

    names = list(models)
    values = [models[n]["val_bits"] for n in names]
    fig, ax = plt.subplots(figsize=(6, 2.8))
    bars = ax.barh(names, values, color="tab:blue")
    ax.bar_label(bars, fmt="%.3f", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("validation bits per character (lower is better)", fontsize=8)
    ax.tick_params(labelsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    defaults = {**SETTINGS, **(FAST if os.environ.get("AGENTLAB_FAST") else {}), "rewrite": False}
    settings = parse_overrides(sys.argv[1:] if argv is None else argv, defaults, __doc__)
    writeup = Path(settings["writeup"]) if settings["writeup"] else runs_dir() / "WRITEUP.md"
    if settings.pop("rewrite"):  # only rebuild the write-up from the last run's results.json
        folder = Path(settings["out"]) if settings["out"] else runs_dir() / "milestone"
        if not (folder / "results.json").is_file():
            raise AgentlabError(f"{folder / 'results.json'} does not exist; run the milestone first "
                                "(make -C phase1_tinylm run).")
        results = json.loads((folder / "results.json").read_text())
        write_writeup(results, writeup, results.get("total_seconds", 0.0))
        print(f"rewrote {writeup} from {folder / 'results.json'}")
        return 0
    start = time.perf_counter()
    results = run_all(settings)
    total = time.perf_counter() - start
    write_writeup(results, writeup, total)
    from shared.atomic_write import atomic_write_text

    saved = {k: v for k, v in results.items() if k != "objects"}
    atomic_write_text(Path(results["out"]) / "results.json",
                      json.dumps({**saved, "total_seconds": total}, indent=1, default=str))
    print()
    print(f"{'model':32s} {'val bits/char':>13s} {'params':>10s} {'train s':>8s} {'tokens/s':>12s}")
    for name, r in results["models"].items():
        print(f"{name:32s} {r['val_bits']:13.3f} {r['params']:10,d} {r['train_seconds']:8.1f} {r['tokens_per_s']:12,.0f}")
    print(f"\ntotal {total:.0f} s; write-up: {writeup}; models and results: {results['out']}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
