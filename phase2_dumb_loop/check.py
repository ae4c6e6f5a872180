"""Phase 2's definition of done, run for real: `make check` (or
`.venv/bin/python -m phase2_dumb_loop.check`).

1. The sandbox works on this machine: an endless loop is stopped, a secret is not visible.
2. The four fixture tasks run through the loop with the configured model (the embedded 0.5B by
   default); at least 3 of 4 must end with a program whose output passes the task's check.
3. Task 4 (pandas, which the sandbox lacks) ends in an adaptation or a graceful failure.
4. Every run wrote its trajectory.
A table per task (success, attempts, seconds, tokens) is printed and saved as JSON and
Markdown under runs/phase2/.

Options: --tasks=print_1_to_10,csv_summary  --max_attempts=4  --no_record (do not write history.md)
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import os
import sys
import time
from datetime import datetime

from phase2_dumb_loop.tasks import TASKS
from shared.atomic_write import atomic_write_text
from shared.check_report import CheckReport
from shared.cli import UsageError, parse_overrides, run_main
from shared.code_loop.loop import MAX_ATTEMPTS, LoopResult, solve
from shared.llm import LLMError, get_llm
from shared.sandbox import isolation_level, run_code
from shared.trajectory import read_trajectory, runs_root

NEEDED = 3  # tasks out of 4 that must succeed


def sandbox_works() -> tuple[bool, str]:
    """A quick proof on this machine: an endless loop is stopped, a secret stays outside."""
    os.environ["AGENTLAB_CHECK_SECRET"] = "do-not-leak"
    try:
        looped = run_code("while True: pass", timeout_s=1.0)
        peeked = run_code("import os; print(os.environ.get('AGENTLAB_CHECK_SECRET'))")
    finally:
        os.environ.pop("AGENTLAB_CHECK_SECRET", None)
    ok = looped.timed_out and looped.duration_s < 2.0 and peeked.stdout.strip() == "None"
    return ok, (f"isolation {isolation_level()}, processes capped by {looped.process_cap}; "
                f"endless loop stopped after {looped.duration_s:.1f} s; secret "
                f"{'hidden' if peeked.stdout.strip() == 'None' else 'VISIBLE'}")


def outcome_of_missing_package(result: LoopResult, right: bool) -> str:
    """How task 4 ended: the report names it."""
    if importlib.util.find_spec("pandas") is not None:
        return "pandas is installed in this environment: the task tested nothing missing"
    used_pandas = [a for a in result.history if a.code and "pandas" in a.code]
    if right and used_pandas:
        return "adaptation: pandas failed, a later program used the standard library"
    if right:
        return "adaptation up front: the model avoided pandas from the first program"
    if result.success and "pandas" not in (result.final_code or ""):
        return ("adaptation, wrong answer: the program dropped pandas and ran, but printed a "
                "wrong average (the dumb loop only knows that it ran)")
    if result.stop_reason == "retry limit":
        return f"graceful failure: stopped after {result.attempts} attempts, no crash, no hang"
    return f"failure: {result.stop_reason}"


def table(rows: list[dict]) -> str:
    """A Markdown table of the per-task results."""
    out = ["| task | success | attempts | seconds | tokens | note |",
           "| --- | --- | ---: | ---: | ---: | --- |"]
    for r in rows:
        out.append(f"| {r['task']} | {'yes' if r['success'] else 'no'} | {r['attempts']} | "
                   f"{r['seconds']:.1f} | {r['tokens']} | {r['note']} |")
    return "\n".join(out)


def task_names(text: str) -> list[str]:
    """'print_1_to_10,csv_summary' -> the names, each one of TASKS. Raises UsageError."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        if name not in TASKS:
            close = difflib.get_close_matches(name, list(TASKS), n=1)
            hint = f"did you mean {close[0]}?" if close else f"the tasks are {', '.join(TASKS)}."
            raise UsageError(f"unknown task {name!r} in --tasks: {hint}")
    if not names:
        raise UsageError(f"--tasks is empty: give one or more of {', '.join(TASKS)}.")
    return names


def main(argv: list[str] | None = None) -> int:
    options = parse_overrides(sys.argv[1:] if argv is None else argv, {
        "tasks": ",".join(TASKS), "max_attempts": MAX_ATTEMPTS, "no_record": False}, doc=__doc__)
    names = task_names(options["tasks"])

    report = CheckReport("phase2_dumb_loop", "the write-run-fix loop solves the test tasks")
    ok, detail = sandbox_works()
    report.add("sandbox stops runaway code", ok, detail,
               "see shared/sandbox.py and run tests/phase2/test_phase2_sandbox.py")

    try:
        llm = get_llm()
    except LLMError as err:
        report.add("model available", False, str(err), "run `make setup`, then try again")
        return report.finish(record=False)

    rows, results = [], {}
    started = time.perf_counter()
    for i, name in enumerate(names, 1):
        task = TASKS[name]
        print(f"[{i}/{len(names)}] {name}: {task.prompt}", flush=True)
        try:
            result = solve(task.prompt, llm, files=task.files, max_attempts=options["max_attempts"],
                           label=f"check-{name}")
        except LLMError as err:
            report.add("model available", False, str(err), "run `make setup`, then try again")
            return report.finish(record=False)
        right = result.success and task.check(result.stdout)
        note = ("" if right else ("ran, wrong output" if result.success else result.stop_reason))
        if name == "missing_package":
            note = outcome_of_missing_package(result, right)
        results[name] = (result, right)
        rows.append({"task": name, "success": right, "attempts": result.attempts,
                     "seconds": round(result.seconds, 1), "tokens": result.tokens, "note": note,
                     "trajectory": str(result.trajectory)})
        print(f"      -> {'success' if right else 'no success'} after {result.attempts} "
              f"attempt(s), {result.seconds:.1f} s, {result.tokens} tokens. {note}", flush=True)

    print("\n" + table(rows) + "\n")
    solved = sum(r["success"] for r in rows)
    needed = min(NEEDED, len(rows))
    report.add(f"at least {needed} of {len(rows)} tasks solved", solved >= needed,
               f"{solved}/{len(rows)} with {llm.describe()} "
               f"({', '.join(r['task'] + (' ok' if r['success'] else ' FAILED') for r in rows)}); "
               f"{time.perf_counter() - started:.0f} s in all",
               "read the failed task's trajectory (runs/phase2/), then adjust prompts.py")
    if "missing_package" in results:
        note = next(r["note"] for r in rows if r["task"] == "missing_package")
        report.add("missing package handled", note.startswith(("adaptation", "graceful")), note,
                   "the loop must end cleanly when a package is missing; see its trajectory")
    written = all(any(e["kind"] == "done" for e in read_trajectory(r.trajectory))
                  for r, _ in results.values())
    report.add("every run wrote a trajectory", written,
               f"{len(results)} files under {runs_root() / 'phase2'}",
               "see shared/trajectory.py")

    out = runs_root() / "phase2"
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / f"check-{stamp}.json", json.dumps(
        {"model": llm.describe(), "isolation": isolation_level(), "rows": rows}, indent=2))
    atomic_write_text(out / f"check-{stamp}.md", table(rows) + "\n")
    print(f"Saved {out / f'check-{stamp}.md'}")
    return report.finish(record=not options["no_record"])


if __name__ == "__main__":
    sys.exit(run_main(main))
