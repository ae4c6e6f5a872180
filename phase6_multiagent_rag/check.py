"""Phase 6's definition of done, run for real with the configured model.

    python -m phase6_multiagent_rag.check                       # everything (an hour or more on 2 cores)
    python -m phase6_multiagent_rag.check --tasks=fix_inventory --record=0
    python -m phase6_multiagent_rag.check --team=0              # the retrieval part only (no record)

1. Several agents against one: the single agent (phase 5) and the team (phase 6) run on the same
   hard project tasks of the benchmark through the harness. The team should solve at least two
   tasks the single agent failed; when it does not, the comparison must say why (each run's
   failure mode and the team's coordination failures). The line passes when every run was
   graded or stopped by its time limit (none ended in an error) and the comparison was written;
   whether the aim was met is reported beside it. Finished runs are kept in
   runs/bench/phase6/check/, so a second check only runs what is missing.
2. Semantic or hybrid search finds code grep misses; the comparison tables are written.
3. `ask` cites the supporting lines, and says "not found" to an unrelated question.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shared.check_report import CheckLine, CheckReport
from shared.cli import UsageError, parse_overrides, run_main
from shared.llm import get_llm
from shared.trajectory import runs_root

from .compare import bench_root
from .compare import main as compare_main
from .retrieval_check import retrieval_check_lines

tasks = "fix_inventory,shop_package"  # hard project tasks (shared/bench/tasks/project)
team = True                           # False: skip the single-vs-team comparison (no record)
record = True
RUN_ID = "check"


def comparison_out() -> Path:
    """Where the check's comparison goes (the bench's own table stays in runs/bench)."""
    return runs_root() / "phase6" / "check-comparison.json"


def team_line(task_names: str) -> CheckLine:
    """Run (or finish) the check's comparison and judge it."""
    run_dir = bench_root() / RUN_ID
    resume = (run_dir / "run.json").is_file()
    if resume:
        saved = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["config"]["tasks"]
        resume = saved == [t.strip() for t in task_names.split(",") if t.strip()]
        if not resume:  # other tasks asked for: start that comparison afresh
            import shutil
            shutil.rmtree(run_dir)
    argv = [f"--run_id={RUN_ID}", f"--out={comparison_out()}"]
    argv += ["--resume=1"] if resume else [f"--tasks={task_names}"]
    compare_main(argv)
    return judge_comparison(run_dir, comparison_out())


def judge_comparison(run_dir: Path, out: Path) -> CheckLine:
    """The line for a finished comparison: every run graded or stopped by its limit, the tables
    written; the aim (met or not, and why) in the detail."""
    records = [json.loads(line) for line in (run_dir / "results.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()] if (run_dir / "results.jsonl").is_file() else []
    errors = [f"{r['generation']}/{r['task']}: {r.get('error', 'error')}" for r in records
              if r.get("status") == "error"]
    page = out.with_name(out.stem + "-multiagent.md")
    data: dict[str, Any] = {}
    if out.is_file():
        data = json.loads(out.read_text(encoding="utf-8")).get("multiagent", {})
    written = page.is_file() and bool(data.get("table"))
    parts = []
    for model, gens in data.get("table", {}).items():
        for gen, f in gens.items():
            modes = ", ".join(f"{k} {v}" for k, v in f["failures"].items()) or "none"
            coordination = ", ".join(f"{k} {v}" for k, v in f.get("coordination", {}).items())
            parts.append(f"{gen}: {f['passed_runs']} of {f['runs']} passed, failures: {modes}"
                         + (f", coordination: {coordination}" if coordination else ""))
        aim = data.get("aim", {}).get(model)
        if aim:
            parts.append(f"aim {aim['status']}: {aim['detail']}")
    ok = bool(records) and not errors and written
    detail = "; ".join(parts + errors) + f"; the comparison: {page}"
    return CheckLine("several agents measured against one on hard tasks (solved, or why not)", ok,
                     detail, "a run ended in an error: read results.jsonl and the trajectory in "
                     f"{run_dir}; run the check again to finish what is missing")


def main(argv: list[str] | None = None) -> int:
    o = parse_overrides(sys.argv[1:] if argv is None else argv,
                        {"tasks": tasks, "team": team, "record": record}, doc=__doc__)
    if o["team"] and not o["tasks"].strip():
        raise UsageError("--tasks needs at least one benchmark task name (or --team=0).")
    report = CheckReport("phase6_multiagent_rag", "several agents against one, and retrieval that "
                         "finds code and text by meaning")
    llm = get_llm()
    if o["team"]:
        print(f"\n== single agent vs the team on {o['tasks']}", flush=True)
        report.lines.append(team_line(o["tasks"]))
    else:
        report.note("several agents", "skipped (--team=0): this run cannot be recorded")
    print("\n== retrieval: labelled queries, tables, ask", flush=True)
    for line in retrieval_check_lines(llm):
        report.lines.append(line)
    print(f"\nLLM usage: {llm.usage.summary()}")
    return report.finish(record=o["record"] and o["team"])


if __name__ == "__main__":
    sys.exit(run_main(main))
