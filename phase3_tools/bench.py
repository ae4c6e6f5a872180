"""Measure each action format with the configured model (the embedded 0.5B by default).

    .venv/bin/python -m phase3_tools.bench                           # 4 formats x 3 tasks x 1 seed
    .venv/bin/python -m phase3_tools.bench --seeds=3 --temperature=0.3  # several seeds, sampling
    .venv/bin/python -m phase3_tools.bench --formats=json,constrained --tasks=fix_broken --extract=0

Per format: the share of replies that parse into a valid action (a known tool, right
arguments), task success over the seeds, steps, tokens and seconds per task, and which parsing
path found the actions. Figures go to <runs>/bench/phase3.json (and a bar chart beside it);
the extraction accuracy on the labelled set is measured too (--extract=0 skips it).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from phase3_tools.tasks import TASKS, run_task
from shared.agent.action_formats import FORMATS
from shared.agent.guardrails import deny_risky
from shared.agent.loop import MAX_STEPS
from shared.atomic_write import atomic_write_text
from shared.cli import UsageError, parse_overrides, run_main
from shared.trajectory import runs_root

formats = ",".join(FORMATS)
tasks = ",".join(TASKS)
seeds = 1
temperature = 0.0
max_steps = MAX_STEPS
extract = 1
out = ""  # default: <runs>/bench/phase3.json


def bench_format(llm, fmt: str, task_names: list[str], n_seeds: int, temp: float, steps: int,
                 bar: tqdm) -> dict:
    """All runs of one format: per-task figures and the share of valid replies overall."""
    replies = valid = 0
    sources: Counter[str] = Counter()
    per_task = {}
    for name in task_names:
        runs = []
        for seed in range(n_seeds):
            workspace = runs_root() / "bench" / "phase3-workspaces" / f"{fmt}-{name}-{seed}"
            run = run_task(name, llm, Path(workspace), fmt, approve=deny_risky, max_steps=steps,
                           temperature=temp, seed=seed)
            r = run.result
            replies += r.steps
            valid += r.valid_actions
            sources.update(a.source or "?" for a in r.actions)
            runs.append({"seed": seed, "passed": run.passed, "detail": run.detail,
                         "stop_reason": r.stop_reason, "steps": r.steps,
                         "valid_actions": r.valid_actions,
                         "tokens": r.prompt_tokens + r.completion_tokens,
                         "completion_tokens": r.completion_tokens,
                         "seconds": round(r.seconds, 1), "trajectory": str(r.trajectory)})
            bar.update(1)
            bar.set_postfix_str(f"{fmt}/{name}: {'pass' if run.passed else 'fail'}")
        n = len(runs)
        per_task[name] = {
            "success": sum(x["passed"] for x in runs) / n,
            "mean_steps": sum(x["steps"] for x in runs) / n,
            "mean_tokens": sum(x["tokens"] for x in runs) / n,
            "mean_seconds": round(sum(x["seconds"] for x in runs) / n, 1),
            "runs": runs,
        }
    return {"replies": replies, "valid_replies": valid,
            "valid_share": valid / replies if replies else 0.0,
            "task_success": sum(t["success"] for t in per_task.values()) / len(per_task),
            "sources": dict(sources), "tasks": per_task}


def table(results: dict) -> str:
    """A plain-text table: one row per format and task."""
    rows = [f"{'format':<12} {'valid':>6} {'task':<20} {'success':>8} {'steps':>6} {'tokens':>7} {'s/task':>7}"]
    for fmt, res in results.items():
        for i, (name, t) in enumerate(res["tasks"].items()):
            share = f"{res['valid_share']:.0%}" if i == 0 else ""
            rows.append(f"{fmt if i == 0 else '':<12} {share:>6} {name:<20} {t['success']:>8.0%} "
                        f"{t['mean_steps']:>6.1f} {t['mean_tokens']:>7.0f} {t['mean_seconds']:>7.1f}")
    return "\n".join(rows)


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], [results[n]["valid_share"] for n in names], 0.4, label="valid replies")
    ax.bar([x + 0.2 for x in xs], [results[n]["task_success"] for n in names], 0.4, label="task success")
    ax.set_xticks(list(xs), names)
    ax.set_ylim(0, 1.05)
    ax.set_title("phase3: action formats")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    from shared.llm import get_llm

    o = parse_overrides(argv if argv is not None else sys.argv[1:], {
        "formats": formats, "tasks": tasks, "seeds": seeds, "temperature": temperature,
        "max_steps": max_steps, "extract": extract, "out": out}, doc=__doc__)
    fmts, names = o["formats"].split(","), o["tasks"].split(",")
    for option, given, known in (("formats", fmts, FORMATS), ("tasks", names, TASKS)):
        for name in given:
            if name not in known:
                raise UsageError(f"--{option}: {name!r} is not one of {', '.join(known)}.")
    if o["seeds"] < 1:
        raise UsageError(f"--seeds={o['seeds']}: give 1 or more.")
    llm = get_llm()
    start = time.perf_counter()
    results = {}
    with tqdm(total=len(fmts) * len(names) * o["seeds"], desc="phase3 bench") as bar:
        for fmt in fmts:
            results[fmt] = bench_format(llm, fmt, names, o["seeds"], o["temperature"],
                                        o["max_steps"], bar)
    report = {"model": llm.describe(), "seeds": o["seeds"], "temperature": o["temperature"],
              "max_steps": o["max_steps"], "formats": results}
    if o["extract"]:
        from phase3_tools.extract_eval import evaluate

        figures = evaluate(llm)
        report["extraction"] = {k: v for k, v in figures.items() if k != "items"}
    report["seconds"] = round(time.perf_counter() - start, 1)
    out_path = Path(o["out"]) if o["out"] else runs_root() / "bench" / "phase3.json"
    atomic_write_text(out_path, json.dumps(report, indent=2))
    plot(results, out_path.with_suffix(".png"))
    print(f"\n{llm.describe()}, {o['seeds']} seed(s), temperature {o['temperature']}")
    print(table(results))
    if "extraction" in report:
        e = report["extraction"]
        print(f"\nextraction ({e['n']} texts): record accuracy {e['record_accuracy']:.0%}, valid "
              f"{e['valid_share']:.0%}, retried {e['retried']}, fields "
              + ", ".join(f"{k} {v:.0%}" for k, v in e["field_accuracy"].items()))
    print(f"\n{report['seconds']} s. Figures: {out_path} and {out_path.with_suffix('.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
