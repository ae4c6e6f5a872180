"""Measure each context strategy on the fixture tasks with the configured model.

    python -m phase4_context.bench                                   # 5 strategies x 3 tasks x 2 seeds
    python -m phase4_context.bench --tasks=fix_users_500 --seeds=1 --temperature=0
    python -m phase4_context.bench --strategies=selective,combined --tasks=document_functions

Per strategy: task success over the seeds, prompt tokens sent, prompt tokens evaluated (what the
model computed after re-using its prefix cache), wall time, steps, compactions and how often a
request would have gone over the budget (the run stops there). Figures go to
<runs>/bench/phase4.json, with a bar chart (phase4.png) and the context size per step of each
strategy on the longest task (phase4-context.png).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from phase4_context.tasks import TASKS, run_task
from shared.agent import DEFAULT_FORMAT
from shared.agent.guardrails import deny_risky
from shared.atomic_write import atomic_write_text
from shared.cli import UsageError, parse_overrides, run_main
from shared.context.context_manager import STRATEGIES, ContextBudget
from shared.context.context_plot import plot_context
from shared.trajectory import runs_root

strategies = ",".join(STRATEGIES)
tasks = ",".join(TASKS)
seeds = 2
temperature = 0.3  # several seeds only differ with sampling on
window = 4096
reserve = 700
format = DEFAULT_FORMAT  # noqa: A001
out = ""  # default: <runs>/bench/phase4.json


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def bench_strategy(llm: Any, strategy: str, names: list[str], o: dict[str, Any],
                   bar: tqdm) -> dict[str, Any]:
    """Every run of one strategy: per task, the figures of each seed and their means."""
    per_task = {}
    budget = ContextBudget(o["window"], o["reserve"])
    for name in names:
        runs = []
        for seed in range(o["seeds"]):
            workspace = runs_root() / "bench" / "phase4-workspaces" / f"{strategy}-{name}-{seed}"
            run = run_task(name, llm, workspace, strategy, budget, action_format=o["format"],
                           approve=deny_risky, max_tokens=o["reserve"],
                           temperature=o["temperature"], seed=seed)
            r = run.result
            runs.append({"seed": seed, "passed": run.passed, "detail": run.detail,
                         "stop_reason": r.stop_reason, "steps": r.steps,
                         "requests": len(r.requests), "compactions": r.compactions,
                         "sent_tokens": r.sent_tokens, "evaluated_tokens": r.evaluated_tokens,
                         "max_request": r.max_request, "over_budget": len(r.over_budget),
                         "wall_seconds": round(r.wall_seconds, 1),
                         "trajectory": str(r.trajectory)})
            bar.update(1)
            bar.set_postfix_str(f"{strategy}/{name}: {'pass' if run.passed else 'fail'}")
        per_task[name] = {
            "success": mean([x["passed"] for x in runs]),
            **{f"mean_{k}": round(mean([x[k] for x in runs]), 1)
               for k in ("steps", "sent_tokens", "evaluated_tokens", "wall_seconds", "compactions")},
            "overflows": sum(x["stop_reason"] == "context_overflow" for x in runs),
            "runs": runs,
        }
    return {"success": mean([t["success"] for t in per_task.values()]),
            "sent_tokens": sum(t["mean_sent_tokens"] for t in per_task.values()),
            "evaluated_tokens": sum(t["mean_evaluated_tokens"] for t in per_task.values()),
            "wall_seconds": round(sum(t["mean_wall_seconds"] for t in per_task.values()), 1),
            "tasks": per_task}


def table(results: dict[str, Any]) -> str:
    rows = [f"{'strategy':<14} {'task':<19} {'success':>7} {'steps':>6} {'sent':>8} "
            f"{'evaluated':>9} {'s':>6} {'compact':>7} {'overflow':>8}"]
    for strategy, res in results.items():
        for i, (name, t) in enumerate(res["tasks"].items()):
            rows.append(f"{strategy if i == 0 else '':<14} {name:<19} {t['success']:>7.0%} "
                        f"{t['mean_steps']:>6.1f} {t['mean_sent_tokens']:>8.0f} "
                        f"{t['mean_evaluated_tokens']:>9.0f} {t['mean_wall_seconds']:>6.1f} "
                        f"{t['mean_compactions']:>7.1f} {t['overflows']:>8}")
    return "\n".join(rows)


def plot_bars(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    xs = range(len(names))
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.bar([x - 0.2 for x in xs], [results[n]["sent_tokens"] for n in names], 0.4, label="sent")
    left.bar([x + 0.2 for x in xs], [results[n]["evaluated_tokens"] for n in names], 0.4,
             label="evaluated")
    left.set_xticks(list(xs), names, rotation=20)
    left.set_title("prompt tokens per task set")
    left.legend()
    right.bar(list(xs), [results[n]["success"] for n in names])
    right.set_xticks(list(xs), names, rotation=20)
    right.set_ylim(0, 1.05)
    right.set_title("task success")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    from shared.llm import get_llm

    o = parse_overrides(sys.argv[1:] if argv is None else argv, {
        "strategies": strategies, "tasks": tasks, "seeds": seeds, "temperature": temperature,
        "window": window, "reserve": reserve, "format": format, "out": out}, doc=__doc__)
    chosen, names = o["strategies"].split(","), o["tasks"].split(",")
    for strategy in chosen:
        if strategy not in STRATEGIES:
            raise UsageError(f"--strategies: {strategy!r} is not one of {', '.join(STRATEGIES)}.")
    for name in names:
        if name not in TASKS:
            raise UsageError(f"--tasks: {name!r} is not one of {', '.join(TASKS)}.")
    llm = get_llm()
    start = time.perf_counter()
    results = {}
    with tqdm(total=len(chosen) * len(names) * o["seeds"], desc="phase4 bench") as bar:
        for strategy in chosen:
            results[strategy] = bench_strategy(llm, strategy, names, o, bar)
    report = {"model": llm.describe(), "seeds": o["seeds"], "temperature": o["temperature"],
              "window": o["window"], "reserve": o["reserve"], "format": o["format"],
              "strategies": results, "seconds": round(time.perf_counter() - start, 1)}
    out_path = Path(o["out"]) if o["out"] else runs_root() / "bench" / "phase4.json"
    atomic_write_text(out_path, json.dumps(report, indent=2))
    plot_bars(results, out_path.with_suffix(".png"))
    longest = max(names, key=lambda n: TASKS[n].max_steps)
    context_picture = out_path.with_name(out_path.stem + "-context.png")
    plot_context({s: Path(results[s]["tasks"][longest]["runs"][0]["trajectory"]) for s in chosen},
                 context_picture, f"context size per step: {longest}, seed 0")
    print(f"\n{llm.describe()}, {o['seeds']} seed(s), temperature {o['temperature']}, budget "
          f"{o['window'] - o['reserve']} tokens per request")
    print(table(results))
    print(f"\n{report['seconds']} s. Figures: {out_path}, {out_path.with_suffix('.png')}, "
          f"{context_picture}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
