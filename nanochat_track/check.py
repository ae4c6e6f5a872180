"""`make check`: the definition of done of nanochat_track part 1, run for real on CPU.

cpu-tiny runs tokenizer -> pretraining -> evaluation -> sampling end to end, the validation
loss falls, the report is written, and a run resumed from a checkpoint continues the same curve
as an uninterrupted one. It writes to runs/nanochat/check-cpu-tiny/; `make chat` then talks to
its checkpoint (the newest one under runs/nanochat).

    .venv/bin/python -m nanochat_track.check [--no_record] [--max_steps=50 ...]
"""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

from shared.check_report import CheckReport
from shared.cli import run_main
from shared.errors import AgentlabError

from .config import Config, make_config, parse_args, runs_root
from .pipeline import run_pipeline
from .pretrain import train


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
    report = CheckReport("nanochat_track", "cpu-tiny: tokenizer -> pretraining -> evaluation -> sampling")
    try:
        stages = run_pipeline(cfg, humaneval_limit=3, n_tasks=10)
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
    report.note("checkpoint", f"{pre['checkpoint']} (make -C nanochat_track chat talks to the newest one)")
    return report.finish(record=record)


CHECK_RUN_DIR = "check-cpu-tiny"  # under runs/nanochat, apart from `make run`'s cpu-tiny


def main(argv: list[str] | None = None) -> int:
    cfg, flags = parse_args(sys.argv[1:] if argv is None else argv, {"no_record": False}, __doc__,
                            defaults={"run_dir": str(Path(runs_root()) / CHECK_RUN_DIR)})
    return run_check(cfg, record=not flags["no_record"])


if __name__ == "__main__":
    sys.exit(run_main(main))
