"""The benchmark (`make bench`): validation bits per character and training tokens/s of each
model, on the default corpus and on any file given with --data; for the transformer, eager
against torch.compile on the same configuration. Figures go to runs/bench/phase1.json.

The aim it reports on: the transformer at least 0.5 bits/char below the bigram after
`--minutes` (default 5) of training.

    .venv/bin/python -m phase1_tinylm.bench                   # default corpus, 5 minutes of transformer
    .venv/bin/python -m phase1_tinylm.bench --data=input.txt --minutes=2
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import torch

from phase1_tinylm.bigram import bits, train_bigram
from phase1_tinylm.data import load_corpus
from phase1_tinylm.milestone import REPO, SETTINGS, machine
from phase1_tinylm.mlp_numpy import train_mlp
from phase1_tinylm.train_transformer import DEFAULTS as TF_DEFAULTS
from phase1_tinylm.train_transformer import train_transformer
from shared.atomic_write import atomic_write_text
from shared.cli import parse_overrides, run_main

BENCH = dict(
    data="", max_bytes=0, minutes=5.0,  # the transformer's training budget per corpus
    compile_steps=40,  # steps timed for eager vs torch.compile (after 3 warm-up steps)
    aim_bits=0.5,  # the transformer should beat the bigram by this much
    threads=0,  # torch CPU threads; 0 = torch's default
    out="",  # "" = runs/bench/phase1.json
)


def bench_corpus(data: str | None, s: dict) -> dict:
    """Every model on one corpus."""
    corpus = load_corpus(data, s["max_bytes"] or None)
    tok = corpus.tokenizer
    train_ids = np.array(tok.encode(corpus.train_text), dtype=np.int64)
    val_ids = np.array(tok.encode(corpus.val_text), dtype=np.int64)
    print(corpus.describe(), flush=True)
    row: dict = {"corpus": corpus.source, "chars": len(corpus.text), "vocab_size": tok.vocab_size, "models": {}}

    bigram, st = train_bigram(train_ids, val_ids, tok.vocab_size)
    row["models"]["bigram"] = {"val_bits": bits(st["val_loss"]), "tokens_per_s": st["tokens_per_s"],
                               "train_seconds": st["train_seconds"], "params": st["params"]}

    mlp, st = train_mlp(train_ids, val_ids, tok.vocab_size, context=SETTINGS["mlp_context"],
                        emb=SETTINGS["mlp_emb"], hidden=SETTINGS["mlp_hidden"], steps=SETTINGS["mlp_steps"],
                        batch_size=SETTINGS["mlp_batch"], lr=SETTINGS["mlp_lr"], eval_every=200,
                        patience=5, pad_id=tok.stoi.get("\n", 0), desc="numpy MLP")  # early stopping: small files overfit
    row["models"]["numpy MLP"] = {"val_bits": bits(mlp.loss(val_ids)), "tokens_per_s": st["tokens_per_s"],
                                  "train_seconds": st["train_seconds"], "params": st["params"]}

    cfg = {**TF_DEFAULTS, "max_seconds": s["minutes"] * 60, "max_steps": 10**6, "eval_every": 10**6,
           "ckpt_every": 10**6, "threads": s["threads"]}
    lm, st = train_transformer(train_ids, val_ids, tok.to_list(), cfg,
                               desc=f"transformer ({s['minutes']:g} min)")
    tf_bits = bits(lm.loss(val_ids))
    row["models"]["transformer"] = {"val_bits": tf_bits, "tokens_per_s": st["tokens_per_s"],
                                    "train_seconds": st["train_seconds"], "steps": st["steps"],
                                    "params": st["params"], "device": st["device"]}
    gap = row["models"]["bigram"]["val_bits"] - tf_bits
    row["aim"] = {"target": f"transformer >= {s['aim_bits']} bits/char below the bigram after "
                            f"{s['minutes']:g} min of training", "gap_bits": gap, "met": gap >= s["aim_bits"]}
    row["compile"] = eager_vs_compile(train_ids, val_ids, tok.to_list(), s)
    return row


def eager_vs_compile(train_ids, val_ids, vocab, s: dict) -> dict:
    """Training tokens/s of the same configuration, eager and under torch.compile."""
    result = {}
    for mode in ("eager", "compile"):
        cfg = {**TF_DEFAULTS, "max_steps": s["compile_steps"] + 3, "warmup": 3, "eval_every": 10**6,
               "ckpt_every": 10**6, "compile": int(mode == "compile"), "threads": s["threads"]}
        start = time.perf_counter()
        try:
            _, st = train_transformer(train_ids, val_ids, vocab, cfg, desc=f"transformer {mode}")
            result[mode] = {"tokens_per_s": st["tokens_per_s"], "wall_seconds": time.perf_counter() - start,
                            "final_val_bits": bits(st["val_loss"])}
        except Exception as err:  # torch.compile needs a C++ compiler on CPU; report, do not die
            result[mode] = {"error": f"{type(err).__name__}: {str(err).splitlines()[0][:300]}",
                            "wall_seconds": time.perf_counter() - start}
            traceback.print_exc(limit=2)
    if "tokens_per_s" in result.get("eager", {}) and "tokens_per_s" in result.get("compile", {}):
        result["speedup"] = result["compile"]["tokens_per_s"] / result["eager"]["tokens_per_s"]
    return result


def print_table(rows: list[dict]) -> None:
    print(f"\n{'corpus':24s} {'model':12s} {'val bits/char':>13s} {'tokens/s':>12s}")
    for row in rows:
        name = "stdlib (default)" if row["corpus"].startswith("stdlib") else Path(row["corpus"]).name
        for model, r in row["models"].items():
            print(f"{name[-24:]:24s} {model:12s} {r['val_bits']:13.3f} {r['tokens_per_s']:12,.0f}")
        aim = row["aim"]
        print(f"{'':24s} aim ({aim['target']}): gap {aim['gap_bits']:.3f} -> {'MET' if aim['met'] else 'NOT MET'}")
        c = row["compile"]
        for mode in ("eager", "compile"):
            r = c.get(mode, {})
            text = f"{r['tokens_per_s']:,.0f} tokens/s" if "tokens_per_s" in r else f"failed: {r.get('error')}"
            print(f"{'':24s} transformer {mode}: {text}")


def main(argv: list[str] | None = None) -> int:
    s = parse_overrides(sys.argv[1:] if argv is None else argv, BENCH, __doc__)
    if s["threads"] > 0:
        torch.set_num_threads(s["threads"])
    rows = [bench_corpus(None, s)]
    if s["data"]:
        rows.append(bench_corpus(s["data"], s))
    out = Path(s["out"]) if s["out"] else Path(os.environ.get("AGENTLAB_RUNS", REPO / "runs")) / "bench" / "phase1.json"
    report = {"benchmark": "phase1_tinylm", "date": time.strftime("%Y-%m-%d %H:%M:%S"), "settings": s,
              "machine": machine(), "corpora": rows}
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, json.dumps(report, indent=1))
    print_table(rows)
    print(f"\nfigures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
