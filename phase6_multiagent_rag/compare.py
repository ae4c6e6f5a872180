"""The single agent (phase 5) against the multi-agent team (phase 6) on the same benchmark tasks,
through shared.bench's harness: same tasks, seeds, model, temperature and budget of replies.

    python -m phase6_multiagent_rag.compare                      # the 15 project tasks, 1 seed
    python -m phase6_multiagent_rag.compare --tasks=fix_inventory,shop_package --seeds=2
    python -m phase6_multiagent_rag.compare --track=function --limit=5
    python -m phase6_multiagent_rag.compare --resume             # go on with the last comparison
    python -m phase6_multiagent_rag.compare --replay=runs/bench/phase6/<run id>   # no model

Each comparison gets a folder runs/bench/phase6/<run id>/ (the harness's run.json, results.jsonl,
every trajectory, message log and workspace, and its report.md with plots). The table goes to
runs/bench/phase6.json under the key "multiagent" (the file's other keys, such as "retrieval",
are kept) and to runs/bench/phase6-multiagent.md: success, time, tokens, failure modes and
coordination failures per generation, each task, the tasks only one side solved, and where the
team does not pay.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from shared.atomic_write import atomic_write_text
from shared.bench.command import auto_workers, configured_backend, new_run_dir, select_tasks
from shared.bench.command import temperature as bench_temperature
from shared.bench.figures import summarise
from shared.bench.harness import (
    TIME_LIMIT_S,
    BenchConfig,
    config_of,
    default_suite,
    latest_run,
    replay,
    run_bench,
)
from shared.bench.report import write_report
from shared.bench.taxonomy import CLASSES, COORDINATION_KINDS
from shared.cli import UsageError, parse_overrides, run_main
from shared.multiagent.orchestrator import MAX_STEPS
from shared.trajectory import runs_root

SINGLE, MULTI = "phase5", "phase6"
track = "project"     # the hard part of the benchmark: multi-file projects, debugging, packages
tasks = ""            # task names, comma separated ("" = all of the track)
seeds = 1
limit = 0             # only the first N tasks (0: all)
models = ""           # model names for the configured backend ("" = its default)
workers = 0           # 0: chosen for the backend (as shared.bench.command)
temperature = bench_temperature
max_steps = MAX_STEPS  # model replies per run: the single agent's and the whole team's
time_limit = TIME_LIMIT_S
resume = False
run_id = ""
replay_dir = ""       # --replay=RUN_DIR: re-grade a comparison's workspaces, no model
out = ""              # default: <runs>/bench/phase6.json
AIM_TASKS = 2         # the team must solve this many project tasks the single agent failed


def bench_root() -> Path:
    return runs_root() / "bench" / "phase6"


def solved(task_pass: dict[str, float]) -> set[str]:
    """Tasks passed on at least half of the seeds."""
    return {task for task, share in task_pass.items() if share >= 0.5}


def comparison(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The table, per model: each generation's figures, the tasks only one side solved, and the
    aim (the team solves AIM_TASKS project tasks the single agent failed)."""
    tracks = {r["task"]: r.get("track", "") for r in records}
    levels = {r["task"]: r.get("level", "") for r in records}
    table, gained, lost, aims = {}, {}, {}, {}
    for model, gens in summarise(records).items():
        table[model] = {gen: {
            "pass_at_1": f["pass_at_1"], "runs": f["runs"], "tasks": f["tasks"],
            "passed_runs": sum(bool(r.get("passed")) for r in records
                               if r.get("model") == model and r["generation"] == gen),
            "mean_seconds": f["mean_seconds"], "mean_tokens": f["mean_tokens"],
            "mean_steps": f["mean_steps"], "timeouts": f["timeouts"], "errors": f["errors"],
            "failures": f["failures"], "coordination": f.get("coordination", {}),
            "coordination_runs": f.get("coordination_runs", 0), "task_pass": f["task_pass"]}
            for gen, f in gens.items()}
        if SINGLE in gens and MULTI in gens:
            single, multi = solved(gens[SINGLE]["task_pass"]), solved(gens[MULTI]["task_pass"])
            gained[model], lost[model] = sorted(multi - single), sorted(single - multi)
            hard = [t for t in gained[model] if tracks.get(t) == "project"]
            detail = (f"{len(hard)} project tasks solved by the team and not by the single agent"
                      + (": " + ", ".join(f"{t} ({levels.get(t) or '?'})" for t in hard)
                         if hard else ""))
            aims[model] = {"aim": f"the team solves at least {AIM_TASKS} project tasks the single "
                                  "agent failed", "status": "met" if len(hard) >= AIM_TASKS
                           else "not met", "detail": detail}
    return {"table": table, "multi_only": gained, "single_only": lost, "aim": aims,
            "tasks": {t: {"track": tracks[t], "level": levels[t]} for t in sorted(tracks)}}


def costs_sentence(model: str, records: list[dict[str, Any]]) -> str:
    """Where the team does not pay, in figures: its cost on the tasks both sides solved, and
    the tasks it lost."""
    mine = [r for r in records if r.get("model") == model]
    passed = {(r["generation"], r["task"]) for r in mine if r.get("passed")}
    both = sorted({t for g, t in passed if g == MULTI and (SINGLE, t) in passed})

    def mean(gen: str, key: Any) -> float:
        values = [key(r) for r in mine if r["generation"] == gen and r["task"] in both]
        return sum(values) / len(values) if values else 0.0

    def tokens(r: dict[str, Any]) -> float:
        return r.get("prompt_tokens", 0) + r.get("completion_tokens", 0)

    def seconds(r: dict[str, Any]) -> float:
        return r.get("wall_seconds") or r.get("seconds") or 0.0

    if not both:
        return f"{model}: no task was solved by both, so there is no like-for-like cost to compare."
    ratio_tokens = mean(MULTI, tokens) / max(1.0, mean(SINGLE, tokens))
    ratio_seconds = mean(MULTI, seconds) / max(0.01, mean(SINGLE, seconds))
    return (f"{model}: on the {len(both)} tasks both solved, the team spent {ratio_tokens:.1f}x "
            f"the tokens and {ratio_seconds:.1f}x the time of the single agent "
            f"({mean(MULTI, tokens):.0f} vs {mean(SINGLE, tokens):.0f} tokens, "
            f"{mean(MULTI, seconds):.0f} vs {mean(SINGLE, seconds):.0f} s per task).")


def markdown(data: dict[str, Any], records: list[dict[str, Any]]) -> str:
    """The comparison as a markdown page."""
    c = data["config"]
    lines = ["# Single agent vs multi-agent team", "",
             f"- run: `{data['run']}` ({data['updated_at']}); figures from {data['source']}",
             f"- {SINGLE}: the planning agent (one agent, every phase 5 technique); {MULTI}: "
             "planner, coder and reviewer routed by the orchestrator (shared.multiagent)",
             f"- tasks: {len(c['tasks'])} ({', '.join(c['tasks'])}); seeds {c['seeds']}; "
             f"temperature {c['temperature']}; {c['max_steps']} model replies per run (for the "
             f"team: every agent and planner call together); {c['time_limit_s']:.0f} s per run",
             "", "## Success and cost", "",
             "| model | generation | pass@1 | passed runs | s/task | tokens/task | replies/task |"
             " failure modes | coordination failures |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for model, gens in data["table"].items():
        for gen, f in gens.items():
            modes = ", ".join(f"{k} {v}" for k, v in f["failures"].items()) or "-"
            coordination = (", ".join(f"{k} {v}" for k, v in f["coordination"].items())
                            + f" (in {f['coordination_runs']} runs)") if f["coordination"] else (
                "none" if gen == MULTI else "-")
            lines.append(f"| {model} | {gen} | {100 * f['pass_at_1']:.0f}% | {f['passed_runs']} "
                         f"of {f['runs']} | {f['mean_seconds']:.0f} | {f['mean_tokens']:.0f} | "
                         f"{f['mean_steps']:.1f} | {modes} | {coordination} |")
    lines += ["", f"Failure modes: one class per failed run ({', '.join(CLASSES)}). Coordination "
              f"failures: labels read from the team's message logs ({', '.join(COORDINATION_KINDS)})"
              "; a run may have several, or some and still pass.", "", "## Each task", ""]
    for model, gens in data["table"].items():
        names = list(gens)
        lines += [f"### {model}", "", "| task | track | level | " + " | ".join(names) + " |",
                  "| --- | --- | --- | " + " | ".join("---" for _ in names) + " |"]
        for task, info in data["tasks"].items():
            cells = [f"{100 * gens[g]['task_pass'][task]:.0f}%" if task in gens[g]["task_pass"]
                     else "-" for g in names]
            lines.append(f"| {task} | {info['track']} | {info['level']} | " + " | ".join(cells)
                         + " |")
        lines.append("")
    lines += ["## What the team gains and where it does not pay", ""]
    for model in data["table"]:
        if model not in data["aim"]:
            continue
        aim = data["aim"][model]
        lines += [f"- {model}: solved only by the team: "
                  f"{', '.join(data['multi_only'][model]) or 'none'}; solved only by the single "
                  f"agent: {', '.join(data['single_only'][model]) or 'none'}.",
                  f"- aim ({aim['status']}): {aim['aim']}: {aim['detail']}.",
                  f"- {costs_sentence(model, records)}"]
    return "\n".join(lines) + "\n"


def write_tables(records: list[dict[str, Any]], run_dir: Path, config: BenchConfig,
                 out_path: Path, source: str) -> dict[str, Any]:
    """Merge the comparison into phase6.json (key "multiagent"; other keys kept, written
    atomically) and write phase6-multiagent.md beside it."""
    data = {"updated_at": datetime.now().isoformat(timespec="seconds"), "run": str(run_dir),
            "source": source,
            "config": {"generations": config.generations, "tasks": config.tasks,
                       "seeds": config.seeds, "temperature": config.temperature,
                       "max_steps": config.max_steps, "time_limit_s": config.time_limit_s},
            **comparison(records)}
    try:
        saved = json.loads(out_path.read_text(encoding="utf-8")) if out_path.is_file() else {}
    except json.JSONDecodeError:
        saved = {}
    saved = saved if isinstance(saved, dict) else {}
    saved["multiagent"] = data
    atomic_write_text(out_path, json.dumps(saved, indent=2) + "\n")
    atomic_write_text(out_path.with_name(out_path.stem + "-multiagent.md"),
                      markdown(data, records))
    return data


def main(argv: list[str] | None = None, suite: Any = None, make_llm: Any = None) -> int:
    defaults = {"track": track, "tasks": tasks, "seeds": seeds, "limit": limit, "models": models,
                "workers": workers, "temperature": temperature, "max_steps": max_steps,
                "time_limit": time_limit, "resume": resume, "run_id": run_id,
                "replay": replay_dir, "out": out}
    o = parse_overrides(sys.argv[1:] if argv is None else argv, defaults, doc=__doc__)
    out_path = Path(o["out"]) if o["out"] else runs_root() / "bench" / "phase6.json"
    options = {} if make_llm is None else {"make_llm": make_llm}
    if o["replay"]:
        run_dir = Path(o["replay"])
        records = replay(run_dir, suite=suite)
        config, source = config_of(run_dir), "a replay of the recorded workspaces (no model)"
    else:
        suite = suite or default_suite()
        if o["resume"]:
            run_dir = bench_root() / o["run_id"] if o["run_id"] else latest_run(bench_root())
            if run_dir is None or not (run_dir / "run.json").is_file():
                raise UsageError(f"there is no comparison to resume under {bench_root()}: start "
                                 "one without --resume")
            config = config_of(run_dir)
        else:
            if o["seeds"] < 1 or o["max_steps"] < 3:
                raise UsageError("--seeds must be at least 1 and --max_steps at least 3.")
            names = select_tasks(suite, o["track"], o["tasks"], o["limit"])
            model_list = [m.strip() for m in o["models"].split(",") if m.strip()] or [""]
            config = BenchConfig([SINGLE, MULTI], names, o["seeds"], model_list,
                                 o["temperature"], o["max_steps"],
                                 o["workers"] or auto_workers(configured_backend()),
                                 o["time_limit"])
            run_dir = bench_root() / o["run_id"] if o["run_id"] else new_run_dir("compare",
                                                                                 bench_root())
        print(f"comparison: {len(config.items())} runs ({SINGLE} and {MULTI} x "
              f"{len(config.tasks)} tasks x {config.seeds} seeds), {config.workers} workers -> "
              f"{run_dir}", flush=True)
        records = run_bench(run_dir, config, suite=suite, **options)
        source = "the run"
    write_report(run_dir, records, source=source, title="Phase 6: single vs multi-agent")
    data = write_tables(records, run_dir, config, out_path, source)
    for model, gens in data["table"].items():
        for gen, f in gens.items():
            print(f"{model} {gen:7} pass@1 {100 * f['pass_at_1']:3.0f}%  {f['mean_seconds']:.0f} "
                  f"s/task  {f['mean_tokens']:.0f} tokens/task  coordination "
                  f"{f['coordination'] or '-'}")
        if model in data["aim"]:
            print(f"aim ({data['aim'][model]['status']}): {data['aim'][model]['detail']}")
    print(f"\nreport: {run_dir / 'report.md'}\ntable: {out_path} (key 'multiagent')\n"
          f"markdown: {out_path.with_name(out_path.stem + '-multiagent.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
