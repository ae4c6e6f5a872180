"""`make check`: the definition of done of nanochat_track (parts 1 and 2), run for real on CPU.

Part 1: cpu-tiny runs tokenizer -> pretraining -> evaluation -> sampling end to end, the
validation loss falls, the report is written, and a run resumed from a checkpoint continues
the same curve as an uninterrupted one.
Part 2: a small synthetic set is generated (the identity replies by the project's LLM: the
embedded model unless Ollama answers), mid-training and SFT lower their validation losses, the
SFT model chats, the engine runs a calculator call inside a conversation, RL runs and saves
its reward curve, and the web page, driven in headless Chromium, answers a message.
It writes to runs/nanochat/check-cpu-tiny/; `make chat` then talks to its most trained
checkpoint.

    .venv/bin/python -m nanochat_track.check [--no_record] [--synthetic_backend=embedded] [--max_steps=50 ...]

On success the milestone goes to the learner's log (progress/history.md, or
$AGENTLAB_PROGRESS_DIR/history.md: a scratch folder there leaves the log alone).
"""

from __future__ import annotations

import math
import shutil
import sys
import time
from pathlib import Path

from shared.check_report import CheckReport
from shared.cli import run_main
from shared.errors import AgentlabError

from .calculator import tool_output
from .config import Config, make_config, parse_args, runs_root
from .finetune import synthetic_dir
from .pipeline import finish, run_pipeline
from .pretrain import train
from .rl import RLSettings


def resume_continues_curve(data_run_dir: str | Path, work_dir: str | Path, steps: int = 6,
                           stop_at: int = 3, overrides: dict | None = None, log=print) -> dict:
    """Train `steps` steps straight through, and again stopping at `stop_at` then resuming;
    both in fresh run folders that reuse the tokenizer and shards of `data_run_dir`.

    Returns both loss curves and the largest difference between them (0 when identical)."""
    curves = {}
    for name, stops in (("straight", [None]), ("resumed", [stop_at, None])):
        run_dir = Path(work_dir) / name
        shutil.rmtree(run_dir, ignore_errors=True)
        for part in ("tokenizer", "data"):
            shutil.copytree(Path(data_run_dir) / part, run_dir / part)
        cfg = make_config("cpu-tiny", {"run_dir": str(run_dir), "max_steps": steps,
                                       "eval_every": steps, **(overrides or {})})
        for i, stop in enumerate(stops):
            result = train(cfg, resume=i > 0, stop_at=stop, log=log, progress=False)
        curves[name] = {"loss": [r["loss"] for r in result["history"]],
                        "val_bpb": result["evals"][-1]["val_bpb"]}
    a, b = curves["straight"], curves["resumed"]
    diff = max(abs(x - y) for x, y in zip(a["loss"], b["loss"], strict=True))
    diff = max(diff, abs(a["val_bpb"] - b["val_bpb"]))
    return {"straight": a, "resumed": b, "max_abs_diff": diff}


def run_check(cfg: Config, record: bool = True) -> int:
    report = CheckReport("nanochat_track", "cpu-tiny: tokenizer -> pretraining -> evaluation -> sampling -> "
                         "synthetic data -> mid-training -> SFT -> tool call -> RL -> web chat")
    if not cfg.synthetic_dir:  # <run_dir>/synthetic: generated afresh, by the LLM of this run
        shutil.rmtree(synthetic_dir(cfg), ignore_errors=True)
    try:
        stages = run_pipeline(cfg, humaneval_limit=3, n_tasks=10, rl_settings=CHECK_RL)
    except AgentlabError as err:
        report.add("pipeline runs end to end", False, str(err),
                   "Read the message above; `make run` shows the whole log.")
        return report.finish(record=False)
    prep, pre, ev = stages["prepare"], stages["pretrain"], stages["evaluate"]
    comp = prep["compression"][-1]  # held-out validation text when there is some
    report.add("tokenizer trained", prep["vocab_size"] == cfg.vocab_size,
               f"{prep['vocab_size']:,} tokens; on {comp['text']}: " + ", ".join(
                   f"{k} {v:.2f}" for k, v in comp.items()
                   if k not in ("text", "bytes") and isinstance(v, float)) + " bytes/token")
    evals = pre["evals"]
    first, last = evals[0]["val_bpb"], evals[-1]["val_bpb"]
    report.add("validation loss falls", math.isfinite(last) and last < first - 0.1,
               f"val bpb {first:.3f} -> {last:.3f} over {pre['steps']} steps "
               f"({pre['tok_per_s']:,.0f} tok/s on CPU)",
               "Train longer (--max_steps) or check the learning rates in config.py.")
    he = ev["humaneval"]
    small_evals = (f"arithmetic {ev['arithmetic']['accuracy']:.2f}, "
                   f"spelling {ev['spelling']['accuracy']:.2f}")
    if he["available"]:
        report.add("evaluation harness runs", he.get("harness_ok", False),
                   f"{small_evals}, HumanEval pass@1 {he['pass@1']:.2f} on {he['n']} "
                   "(canonical solution passes)",
                   "A canonical HumanEval solution failed: is python runnable in a subprocess here?")
    else:
        report.note("evaluation harness", f"{small_evals}; HumanEval skipped: {he['reason']}")
    sample = ev["samples"][0]["completion"]
    report.add("sampling produces text", len(sample) > 0, f"{ev['samples'][0]['prompt']!r} -> {sample[:40]!r}")
    report_path = Path(stages["report"])
    report.add("report written", report_path.exists() and "## Pretraining" in report_path.read_text(),
               str(report_path))
    resume = resume_continues_curve(cfg.run_dir, Path(cfg.run_dir) / "resume-check", steps=6,
                                    stop_at=3, overrides={"depth": 2, "eval_tokens": 4096},
                                    log=lambda *a: None)
    report.add("resume continues the same curve", resume["max_abs_diff"] < 1e-4,
               f"6 steps straight vs 3 + resume 3: largest loss difference {resume['max_abs_diff']:.2e}",
               "The batches or the optimizer state are not restored exactly: see pretrain.py.")
    check_part2(report, cfg, stages)
    report.note("checkpoint", f"{stages['rl']['checkpoint']} (make -C nanochat_track chat talks to the newest run's)")
    return report.finish(record=record)


def falls(evals: list[dict], key: str = "val_loss") -> tuple[bool, str]:
    first, last = evals[0][key], evals[-1][key]
    return math.isfinite(last) and last < first, f"{first:.3f} -> {last:.3f}"


def check_part2(report: CheckReport, cfg: Config, stages: dict) -> None:
    """Part 2's lines: synthetic data, mid-training, SFT, chat, tool call, RL, web chat."""
    synthetic = {k: v for k, v in stages["synthetic"].items() if isinstance(v, dict)}
    identity = synthetic.get("identity", {})
    why = ", ".join(f"{n} {r}" for r, n in identity.get("reasons", {}).items())
    report.add("synthetic set generated", len(synthetic) == 3 and all(f["total"] > 0 for f in synthetic.values())
               and identity.get("written", 0) > 0,
               ", ".join(f"{kind} {f['total']}" for kind, f in synthetic.items())
               + f"; identity written by {stages['synthetic'].get('llm', '?')}, "
               f"{identity.get('rejected', 0)} replies refused by the checks" + (f" ({why})" if why else ""),
               "See the synthetic stage's log: did the LLM answer? (python -m nanochat_track.synthetic.generate)")
    for key, title in (("midtrain", "mid-training"), ("sft", "SFT")):
        ok, detail = falls(stages[key]["evals"])
        report.add(f"{title} validation loss falls", ok, f"val loss {detail} over {stages[key]['steps']} steps",
                   f"Train longer (--{'mid' if key == 'midtrain' else 'sft'}_steps) or check the mixture.")
    samples = stages["sft"]["samples"]
    report.add("the SFT model chats", all(s["reply"].strip() for s in samples),
               " | ".join(f"{s['user'][:30]!r} -> {s['reply'][:40]!r}" for s in samples))
    tool = stages["tool_call"]
    right = [c for c in tool["calls"] if c[1] == tool_output(c[0])]
    report.add("the engine runs a calculator call inside a conversation", bool(right),
               f"{tool['user']!r} -> {tool['shown'][:80]!r} (question {tool['asked']}, attempt {tool.get('attempt', 0)} (0: greedy), "
               f"{tool['forced_tokens']} tokens forced)",
               "The model wrote no <|python_start|> call: train longer (--sft_steps) or raise tool_use_count.")
    rl = stages["rl"]
    history = rl["history"]
    report.add("RL runs and saves its reward curve",
               len(history) == rl["settings"]["steps"] and Path(rl["plot"]).exists() and Path(rl["checkpoint"]).exists(),
               f"{len(history)} steps, mean sampled reward {history[0]['mean_reward']:.2f} -> "
               f"{history[-1]['mean_reward']:.2f}; held-out greedy {rl['reward_before']:.2f} -> "
               f"{rl['reward_after']:.2f} ({rl['plot']})")
    t = time.time()
    stages["web_chat"] = web_chat_in_browser(rl["checkpoint"], Path(cfg.run_dir) / "web_chat.png")
    stages["web_chat"]["stage_time_s"] = time.time() - t
    report.add("the web page answers a message in headless Chromium", stages["web_chat"]["ok"],
               stages["web_chat"]["summary"], stages["web_chat"].get("next", ""))
    finish(cfg, stages, log=lambda *a: None)  # report.md and bench.json again, with the web chat
    generation = stages.get("generation", {})
    report.note("measured on this machine",
                "generation " + ", ".join(f"batch {k[6:]} {v['tok_per_s']:,.0f} tok/s" for k, v in generation.items()
                                          if k.startswith("batch_"))
                + "; seconds per stage: " + ", ".join(f"{name} {s['stage_time_s']:.0f}" for name, s in stages.items()
                                                     if isinstance(s, dict) and s.get("stage_time_s"))
                + f" ({Path(cfg.run_dir) / 'bench.json'})")


def web_chat_in_browser(checkpoint: str | Path, screenshot: Path, message: str = "What is 17 times 23?") -> dict:
    """Serve `checkpoint` and ask `message` through the page in headless Chromium:
    {"ok", "summary", "screenshot", "next"}."""
    from .web_chat import BackgroundServer, ChatModel, ask_in_browser, browser_paths, create_app

    if browser_paths() is None:
        return {"ok": False, "summary": "Chromium is not installed", "screenshot": None,
                "next": "apt-get install -y chromium chromium-driver, and .venv/bin/pip install selenium."}
    try:
        with BackgroundServer(create_app(ChatModel.from_checkpoint(checkpoint))) as server:
            reply = ask_in_browser(server.url, message, screenshot)
    except ImportError:
        return {"ok": False, "summary": "selenium is not installed", "screenshot": None,
                "next": ".venv/bin/pip install selenium"}
    except Exception as err:  # the browser's own errors: report them, do not crash the check
        return {"ok": False, "summary": f"{type(err).__name__}: {str(err)[:200]}", "screenshot": None,
                "next": "Run tests/nanochat/test_web_chat.py to see the browser's error in full."}
    return {"ok": bool(reply.strip()), "summary": f"{message!r} -> {reply[:80]!r} (screenshot {screenshot})",
            "screenshot": str(screenshot), "next": "The reply was empty: is the checkpoint a chat model?"}


CHECK_RL = RLSettings(steps=10, prompts=4, samples=4, max_tokens=40, eval_questions=16)
CHECK_RUN_DIR = "check-cpu-tiny"  # under runs/nanochat, apart from `make run`'s cpu-tiny
# Fewer identity conversations than `make run`'s 8: each is a few LLM calls, 5-15 s on an idle
# 2-core CPU with the embedded model but minutes on a loaded one. Override: --identity_count=8.
CHECK_DEFAULTS = {"identity_count": 3}


def main(argv: list[str] | None = None) -> int:
    cfg, flags = parse_args(sys.argv[1:] if argv is None else argv, {"no_record": False}, __doc__,
                            defaults={"run_dir": str(Path(runs_root()) / CHECK_RUN_DIR), **CHECK_DEFAULTS})
    return run_check(cfg, record=not flags["no_record"])


if __name__ == "__main__":
    sys.exit(run_main(main))
