"""The whole pipeline in one command: tokenizer and corpus -> pretraining -> evaluation ->
sampling and a chat turn -> synthetic conversations -> mid-training -> SFT -> a calculator
call -> generation speed -> RL -> report.md, results.json and bench.json (time per stage,
training and generation tokens/s).

    .venv/bin/python -m nanochat_track.pipeline --config=cpu-tiny   # minutes on 2 cores (identity replies by the LLM)
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
from shared.llm import ChatBackend

from .bench import generation_speed
from .config import Config, parse_args
from .engine import chat_prompt, chat_reply, tool_call_demo
from .evaluate import evaluate_all
from .finetune import load_chat_model
from .midtrain import train_mid
from .prepare import prepare
from .pretrain import load_model, train
from .report import plot_curves, write_report
from .rl import RLSettings, train_rl
from .sft import SAMPLE_QUESTIONS, sample_replies, train_sft
from .synthetic.generate import generate_for_run
from .tokenizer import Tokenizer


def run_pipeline(cfg: Config, progress: bool = True, humaneval_limit: int = 5, n_tasks: int = 10,
                 log=print, llm: ChatBackend | None = None, rl_settings: RLSettings | None = None) -> dict:
    """Run every stage for `cfg`; returns {stage: figures} and writes <run_dir>/report.md.

    `llm` writes the identity conversations (default: cfg.synthetic_backend, or the project's
    settings: Ollama when it answers, else the embedded model)."""
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

    t = time.time()
    stages["synthetic"] = generate_for_run(cfg, llm, progress=progress, log=log)
    stages["synthetic"]["stage_time_s"] = time.time() - t

    t = time.time()
    mid = train_mid(cfg, log=log, progress=progress)
    mid["stage_time_s"] = time.time() - t
    stages["midtrain"] = mid

    t = time.time()
    sft = train_sft(cfg, log=log, progress=progress)
    chat_model, chat_tokenizer, channels = load_chat_model(sft["checkpoint"], device)
    sft["samples"] = sample_replies(chat_model, chat_tokenizer, SAMPLE_QUESTIONS, channels)
    for sample in sft["samples"]:
        log(f"sft chat | {sample['user']!r} -> {sample['reply'][:80]!r}")
    sft["stage_time_s"] = time.time() - t
    stages["sft"] = sft

    t = time.time()
    stages["tool_call"] = tool_call_demo(chat_model, chat_tokenizer, channels=channels)
    stages["tool_call"]["stage_time_s"] = time.time() - t
    log(f"tool call | {stages['tool_call']['user']!r} -> {stages['tool_call']['shown'][:80]!r}")

    t = time.time()
    stages["generation"] = generation_speed(chat_model, chat_prompt(chat_model, chat_tokenizer, [
        {"role": "user", "content": SAMPLE_QUESTIONS[0]}], channels), max_tokens=64, batch_sizes=(1, 4))
    stages["generation"]["stage_time_s"] = time.time() - t
    log("generation | " + ", ".join(f"batch {k[6:]}: {v['tok_per_s']:,.0f} tok/s"
                                    for k, v in stages["generation"].items() if k.startswith("batch_")))

    t = time.time()
    stages["rl"] = train_rl(cfg, rl_settings or RLSettings(), log=log, progress=progress)
    stages["rl"]["stage_time_s"] = time.time() - t

    finish(cfg, stages, log)
    return stages


def finish(cfg: Config, stages: dict, log=print) -> None:
    """Write report.md, results.json (every stage's figures, without the per-step histories) and
    bench.json (the measured figures: time per stage, training and generation tokens/s)."""
    report = write_report(cfg, stages)
    stages["report"] = str(report)
    summary = {name: {k: v for k, v in s.items() if k != "history"} if isinstance(s, dict) else s
               for name, s in stages.items()}
    atomic_write_text(Path(cfg.run_dir) / "results.json", json.dumps(summary, indent=1, default=str))
    atomic_write_text(Path(cfg.run_dir) / "bench.json", json.dumps(measured(cfg, stages), indent=1))
    log(f"report: {report}")


def measured(cfg: Config, stages: dict) -> dict:
    """The run's measured figures: seconds per stage, training tokens/s, generation tokens/s."""
    from .report import environment

    def get(stage: str, key: str):
        value = stages.get(stage, {}).get(key) if isinstance(stages.get(stage), dict) else None
        return round(value, 3) if isinstance(value, float) else value

    generation = stages.get("generation", {})
    return {"config": cfg.name, "environment": environment(),
            "stage_time_s": {name: round(s["stage_time_s"], 2) for name, s in stages.items()
                             if isinstance(s, dict) and s.get("stage_time_s")},
            "train_tok_per_s": {"pretrain": get("pretrain", "tok_per_s"), "midtrain": get("midtrain", "tok_per_s")},
            "generation_tok_per_s": {k: round(v["tok_per_s"], 1) for k, v in generation.items()
                                     if k.startswith("batch_")},
            "synthetic_per_minute": {k: round(f["per_minute"], 2) for k, f in stages.get("synthetic", {}).items()
                                     if isinstance(f, dict)}}


EXTRA_FLAGS = {"humaneval_limit": 5,  # HumanEval problems to run (0: none)
               "n_tasks": 10}  # arithmetic and spelling tasks each


def main(argv: list[str] | None = None) -> int:
    cfg, flags = parse_args(sys.argv[1:] if argv is None else argv, EXTRA_FLAGS, __doc__)
    run_pipeline(cfg, humaneval_limit=flags["humaneval_limit"], n_tasks=flags["n_tasks"])
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
