"""Measure every agent generation on the phase 5 benchmark, with the configured backend and model.

    python -m shared.bench.command                                  # everything: a long run
    python -m shared.bench.command --generations=plain,phase2 --track=function --limit=5 --seeds=1
    python -m shared.bench.command --models=qwen2.5-coder-0.5b,qwen2.5-coder-1.5b
    python -m shared.bench.command --generations=phase5,phase5-no_plan,phase5-none   # ablation
    python -m shared.bench.command --resume                         # go on with the last run
    python -m shared.bench.command --replay=runs/bench/phase5/<run id>   # re-grade, no model

Each run gets a folder runs/bench/phase5/<run id>/ with run.json (what ran, with which model,
quantisation, context size, temperature and commit), results.jsonl (one line per generation x
task x seed, appended as each finishes), every trajectory and final workspace, report.md with its
plots, and summary.json. The table per generation and model also goes to runs/bench/phase5.json
(a model measured again replaces its earlier figures; other models stay).

--workers=0 picks: 1 per two cores for the in-process model (each worker loads its own copy),
4 for a server (Ollama, an OpenAI-compatible one), whose requests then run concurrently.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from shared.atomic_write import atomic_write_text
from shared.bench.figures import check_aims, summarise
from shared.bench.harness import (
    BenchConfig,
    LlmFactory,
    TaskSuite,
    config_of,
    default_llm,
    default_suite,
    latest_run,
    replay,
    run_bench,
)
from shared.bench.report import write_report
from shared.cli import UsageError, parse_overrides, run_main
from shared.config import Settings, load_settings
from shared.trajectory import runs_root

generations = "plain,phase2,phase3,phase4,phase5"
track = ""            # function | project | "" (both)
tasks = ""            # task names, comma separated ("" = all of the track)
seeds = 3
models = ""           # model names for the configured backend ("" = its default model)
workers = 0           # 0: chosen for the backend (see above)
temperature = 0.3     # several seeds only differ when sampling is on
max_steps = 20        # model replies per agent run
time_limit = 900.0    # seconds one generation may work on one task (then: "timeout")
limit = 0             # only the first N tasks of the selection (0: all)
resume = False        # go on with the latest run (or --run_id)
run_id = ""
replay_dir = ""       # --replay=RUN_DIR
out = ""              # default: <runs>/bench/phase5.json

SERVER_WORKERS = 4
SLICE_TASKS = 2       # the check's slice: this many easy function tasks, plain and phase5, 1 seed
SLICE_GENERATIONS = ["plain", "phase5"]
LEVELS = ("easy", "medium", "hard")


def level_rank(level: str) -> int:
    """easy 0, medium 1, hard 2 (anything else after them)."""
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def bench_root() -> Path:
    return runs_root() / "bench" / "phase5"


def auto_workers(backend: str) -> int:
    """Workers for a backend: a server answers several requests at once; the in-process model
    gets one worker per two cores (each has its own copy of the model and its own threads)."""
    if backend in ("ollama", "openai"):
        return SERVER_WORKERS
    return max(1, (os.cpu_count() or 1) // 2)


def configured_backend() -> str:
    from shared.llm.select import describe_choice

    return describe_choice(load_settings())[0]


def select_tasks(suite: TaskSuite, track_name: str, names: str, first: int) -> list[str]:
    """The task names to run: a track, or named tasks, the first `first` of them (0: all)."""
    if track_name not in ("", "function", "project"):
        raise UsageError(f"--track is function or project (or empty for both), not {track_name!r}.")
    wanted = [n.strip() for n in names.split(",") if n.strip()] or None
    chosen = suite.load(track=track_name or None, names=wanted)
    if not chosen:
        raise UsageError("no benchmark task matches --track and --tasks.")
    return [t.name for t in chosen][: first or None]


def new_run_dir(label: str, root: Path | None = None) -> Path:
    """A fresh run folder <root>/<YYYYmmdd-HHMMSS>-<label> (root: runs/bench/phase5)."""
    root = root or bench_root()
    stem = f"{datetime.now():%Y%m%d-%H%M%S}-{label}"
    path, n = root / stem, 1
    while path.exists():
        n += 1
        path = root / f"{stem}-{n}"
    return path


def update_table(path: Path, records: list[dict[str, Any]], run_dir: Path) -> dict[str, Any]:
    """Merge this run's table into phase5.json: its models replace their earlier figures."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except json.JSONDecodeError:
        saved = {}
    table = saved.get("table", {})
    runs = saved.get("runs", {})
    for model, gens in summarise(records).items():
        table[model] = gens
        runs[model] = str(run_dir)
    data = {"updated_at": datetime.now().isoformat(timespec="seconds"), "runs": runs,
            "table": table, "aims": check_aims(table)}
    atomic_write_text(path, json.dumps(data, indent=2) + "\n")
    return data


def print_table(data: dict[str, Any]) -> None:
    for model, gens in data["table"].items():
        print(f"\n{model}")
        for gen, f in gens.items():
            tracks = "  ".join(f"{t or '-'} {100 * v['pass_at_1']:.0f}%"
                               for t, v in f["tracks"].items())
            print(f"  {gen:8} pass@1 {100 * f['pass_at_1']:3.0f}% ± "
                  f"{100 * f['pass_at_1_spread']:.0f}  first try {100 * f['first_try']:3.0f}%  "
                  f"({tracks})  well-formed {100 * f['well_formed']:.0f}%  "
                  f"{f['mean_seconds']:.0f} s/task  {f['mean_tokens']:.0f} tokens/task  "
                  + ("" if f.get("mean_first_action_s") is None else
                     f"{f['mean_first_action_s']:.1f} s to the first action"))
    print()
    for a in data["aims"]:
        print(f"aim ({a['status']}): {a['aim']}: {a['detail']}")


def finish(run_dir: Path, records: list[dict[str, Any]], table_path: Path, source: str) -> Path:
    report = write_report(run_dir, records, source=source)
    data = update_table(table_path, records, run_dir)
    print_table(data)
    print(f"\nreport: {report}\ntable: {table_path}")
    return report


def main(argv: list[str] | None = None, suite: TaskSuite | None = None,
         make_llm: LlmFactory = default_llm) -> int:
    defaults = {"generations": generations, "track": track, "tasks": tasks, "seeds": seeds,
                "models": models, "workers": workers, "temperature": temperature,
                "max_steps": max_steps, "time_limit": time_limit, "limit": limit,
                "resume": resume, "run_id": run_id, "replay": replay_dir, "out": out}
    o = parse_overrides(sys.argv[1:] if argv is None else argv, defaults, doc=__doc__)
    table_path = Path(o["out"]) if o["out"] else runs_root() / "bench" / "phase5.json"
    if o["replay"]:
        run_dir = Path(o["replay"])
        records = replay(run_dir, suite=suite)
        finish(run_dir, records, table_path, "a replay of the recorded workspaces (no model)")
        return 0
    suite = suite or default_suite()
    if o["resume"]:
        run_dir = bench_root() / o["run_id"] if o["run_id"] else latest_run(bench_root())
        if run_dir is None or not (run_dir / "run.json").is_file():
            raise UsageError(f"there is no benchmark run to resume under {bench_root()}: start "
                             "one without --resume")
        config = config_of(run_dir)
        print(f"resuming {run_dir} with the options it was started with")
    else:
        if o["seeds"] < 1:
            raise UsageError("--seeds must be at least 1.")
        names = select_tasks(suite, o["track"], o["tasks"], o["limit"])
        gens = [g.strip() for g in o["generations"].split(",") if g.strip()]
        model_list = [m.strip() for m in o["models"].split(",") if m.strip()] or [""]
        config = BenchConfig(gens, names, o["seeds"], model_list, o["temperature"],
                             o["max_steps"], o["workers"] or auto_workers(configured_backend()),
                             o["time_limit"])
        run_dir = bench_root() / o["run_id"] if o["run_id"] else new_run_dir("bench")
    print(f"benchmark: {len(config.items())} runs ({', '.join(config.generations)} x "
          f"{len(config.tasks)} tasks x {config.seeds} seeds x {len(config.models)} models), "
          f"{config.workers} workers -> {run_dir}")
    records = run_bench(run_dir, config, suite=suite, make_llm=make_llm)
    finish(run_dir, records, table_path, "the run")
    return 0


def llm_factory(llm: Settings | str | LlmFactory | None) -> LlmFactory:
    """A backend factory from what the caller has: settings, a model name, a factory, or None
    (the configured backend)."""
    if llm is None or isinstance(llm, str):
        model = llm or ""
        return lambda _m, threads: default_llm(model, threads)
    if isinstance(llm, Settings):
        from shared.llm import get_llm

        return lambda _m, _threads: get_llm(llm, verbose=False)
    if callable(llm):
        return llm
    raise TypeError(f"llm must be Settings, a model name or a backend factory, not {llm!r}")


def run_slice(llm: Settings | str | LlmFactory | None = None, out_dir: Path | None = None, *,
              suite: TaskSuite | None = None, task_names: list[str] | None = None,
              progress: bool = True) -> tuple[bool, Path | None]:
    """The check's small slice, end to end: SLICE_TASKS easy function tasks, plain and phase5,
    one seed, greedy; its report under `out_dir`. Returns (every item ran to its grade, no error
    and no timeout, and the report was written; the report's path)."""
    suite = suite or default_suite()
    if task_names is None:
        easy = sorted(suite.load(track="function"), key=lambda t: (level_rank(t.level), t.name))
        task_names = [t.name for t in easy[:SLICE_TASKS]]
    run_dir = Path(out_dir) if out_dir else new_run_dir("slice")
    config = BenchConfig(list(SLICE_GENERATIONS), task_names, seeds=1, temperature=0.0,
                         workers=1)
    records = run_bench(run_dir, config, suite=suite, make_llm=llm_factory(llm),
                        progress=progress)
    if not records:
        return False, None
    report = write_report(run_dir, records, source="the check's slice")
    # end to end: every item ran to its grade (an error or a timeout is not the end)
    ran = len(records) == len(config.items()) and all(r["status"] == "done" for r in records)
    return ran and report.is_file(), report


if __name__ == "__main__":
    sys.exit(run_main(main))
