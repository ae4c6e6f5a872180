"""The whole pipeline in one command: tokenizer and corpus -> pretraining -> evaluation ->
sampling and a chat turn -> report.md.

    .venv/bin/python -m nanochat_track.pipeline --config=cpu-tiny   # about a minute on 2 cores
    .venv/bin/python -m nanochat_track.pipeline --config=gpu-1      # 10 minutes on one H100

For several GPUs, run the stages separately (see README.md): prepare, then torchrun pretrain,
then evaluate.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch

from shared.atomic_write import atomic_write_text
from shared.cli import run_main

from .config import Config, parse_args
from .engine import chat_reply
from .evaluate import evaluate_all
from .prepare import prepare
from .pretrain import load_model, train
from .report import plot_curves, write_report
from .tokenizer import Tokenizer


def run_pipeline(cfg: Config, progress: bool = True, humaneval_limit: int = 5, n_tasks: int = 10,
                 log=print) -> dict:
    """Run every stage for `cfg`; returns {stage: figures} and writes <run_dir>/report.md."""
    stages: dict = {}
    t = time.time()
    stages["prepare"] = prepare(cfg, progress=progress, log=log)
    stages["prepare"]["stage_time_s"] = time.time() - t

    t = time.time()
    pre = train(cfg, log=log, progress=progress)
    pre["plot"] = str(plot_curves(pre["history"], pre["evals"], Path(cfg.run_dir) / "loss.png"))
    pre["stage_time_s"] = time.time() - t
    stages["pretrain"] = pre

    t = time.time()
    device = "cuda" if torch.cuda.is_available() and cfg.device != "cpu" else "cpu"
    model, _ = load_model(pre["checkpoint"], device)
    tokenizer = Tokenizer.load(Path(cfg.run_dir) / "tokenizer")
    stages["evaluate"] = evaluate_all(model, tokenizer, n_tasks, humaneval_limit, log=log)
    stages["evaluate"]["stage_time_s"] = time.time() - t

    t = time.time()
    user = "Write a function that adds two numbers."
    reply = chat_reply(model, tokenizer, [{"role": "user", "content": user}], max_tokens=32)
    stages["chat"] = {"user": user, "reply": reply, "stage_time_s": time.time() - t}
    log(f"chat | {user!r} -> {reply[:80]!r}")

    report = write_report(cfg, stages)
    summary = {name: {k: v for k, v in s.items() if k != "history"} for name, s in stages.items()}
    atomic_write_text(Path(cfg.run_dir) / "results.json", json.dumps(summary, indent=1, default=str))
    log(f"report: {report}")
    stages["report"] = str(report)
    return stages


EXTRA_FLAGS = {"humaneval_limit": 5,  # HumanEval problems to run (0: none)
               "n_tasks": 10}  # arithmetic and spelling tasks each


def main(argv: list[str] | None = None) -> int:
    cfg, flags = parse_args(sys.argv[1:] if argv is None else argv, EXTRA_FLAGS, __doc__)
    run_pipeline(cfg, humaneval_limit=flags["humaneval_limit"], n_tasks=flags["n_tasks"])
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
