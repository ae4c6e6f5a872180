"""Phase 5's definition of done, run for real with the configured model.

    python -m phase5_planning.check                       # the calculator task, once
    python -m phase5_planning.check --runs=3 --record=0   # three seeds, nothing recorded

The calculator task ("create calculator.py ... and test_calculator.py ...; all tests pass")
must end with working, tested code and no intervention:
- the agent's own test_calculator.py passes;
- hidden tests, which the agent never sees, pass against its calculator.py;
- the agent finished by itself, and its finish was verified by its tests.
For information: whether its tests catch two broken calculators, and the plan's figures.
"""

from __future__ import annotations

import sys

from phase5_planning.tasks import CALCULATOR, run_task
from shared.bench.command import SLICE_GENERATIONS, SLICE_TASKS, run_slice
from shared.check_report import CheckReport
from shared.cli import UsageError, parse_overrides, run_main
from shared.llm import get_llm
from shared.trajectory import runs_root

runs = 1          # seeds 0 .. runs-1; each must pass
max_steps = 20
record = True


def main(argv: list[str] | None = None) -> int:
    o = parse_overrides(sys.argv[1:] if argv is None else argv,
                        {"runs": runs, "max_steps": max_steps, "record": record}, doc=__doc__)
    if o["runs"] < 1:
        raise UsageError("--runs must be at least 1.")
    report = CheckReport("phase5_planning", "an agent that plans, tests its work and finishes "
                         "only when it works")
    llm = get_llm()
    for seed in range(o["runs"]):
        print(f"\n== calculator, seed {seed}: {CALCULATOR.prompt}", flush=True)
        run = run_task("calculator", llm, runs_root() / "phase5" / f"check-calculator-{seed}",
                       seed=seed, max_steps=o["max_steps"], quiet=False)
        r, grade = run.result, run.grade
        figures = (f"{r.steps} steps, stop: {r.stop_reason}, plan {r.plan_done}/"
                   f"{len(r.plan_steps)} steps done, {r.replans} replans, {r.test_runs} test runs, "
                   f"{r.best_of_rounds} best-of rounds, {r.wall_seconds:.0f} s; trajectory "
                   f"{r.trajectory}")
        label = f"calculator, seed {seed} ({llm.describe()})"
        report.add(label, grade.passed, f"{grade.detail}; {figures}",
                   "read the trajectory to see where the agent went wrong; try the bigger model "
                   "(AGENTLAB_EMBEDDED_MODEL=qwen2.5-coder-1.5b)")
        report.add(f"finished by itself, verified (seed {seed})", r.finished and r.verified,
                   f"stop: {r.stop_reason}, verified: {r.verified}, {r.refused_finishes} finishes "
                   "refused",
                   "the agent did not reach a finish its tests confirm: see the finish_refused and "
                   "stopped events in the trajectory")
        caught = grade.mutants_caught
        if caught:
            report.note(f"its tests catch bugs (seed {seed})", ", ".join(
                f"{name}: {'caught' if hit else 'missed'}" for name, hit in caught.items()))

    # "The benchmark runs end to end on a small slice and writes its report."
    print(f"\n== the benchmark, a slice: {SLICE_TASKS} easy function tasks x "
          f"{', '.join(SLICE_GENERATIONS)}, one seed", flush=True)
    ran, report_path = run_slice()
    report.add("the benchmark runs end to end on a slice and writes its report", ran,
               f"report: {report_path}" if report_path else "no task ran",
               "read results.jsonl in the slice's folder for the item that errored or timed out "
               "(on a busy machine, a task may pass its time limit: run the check again)")

    print(f"\nLLM usage: {llm.usage.summary()}")
    return report.finish(record=o["record"])


if __name__ == "__main__":
    sys.exit(run_main(main))
