"""The milestone: the agent plans, writes the calculator and its tests, runs them, and finishes
only when they pass.

    python -m phase5_planning.run                              # the calculator task, every technique
    python -m phase5_planning.run --plan=0 --best_of=1         # with some techniques off
    python -m phase5_planning.run --task="Create fizz.py with fizzbuzz(n) ..."   # a task of yours

The plan, each action, the test results and the replans are printed as they happen; the
trajectory under runs/phase5/ holds all of it. Hyperparameters are the plain values below; each
one can be overridden as --name=value.
"""

from __future__ import annotations

import sys

from phase5_planning.tasks import TASKS
from shared.cli import parse_overrides, run_main
from shared.llm import get_llm
from shared.planning.planning_agent import Techniques, run_planning_agent
from shared.trajectory import runs_root

task = "calculator"     # a name of tasks.TASKS, or the text of a task of your own
plan = True             # the techniques (see techniques.py)
self_tests = True
best_of = 3
verified_finish = True
max_steps = 20
seed = 0


def main(argv: list[str] | None = None) -> int:
    o = parse_overrides(sys.argv[1:] if argv is None else argv, {
        "task": task, "plan": plan, "self_tests": self_tests, "best_of": best_of,
        "verified_finish": verified_finish, "max_steps": max_steps, "seed": seed}, doc=__doc__)
    techniques = Techniques(o["plan"], o["self_tests"], o["best_of"], o["verified_finish"])
    known = TASKS.get(o["task"])
    llm = get_llm()
    workspace = runs_root() / "phase5" / f"workspace-{known.name if known else 'own'}"
    workspace = known.prepare(workspace) if known else workspace
    workspace.mkdir(parents=True, exist_ok=True)
    prompt = known.prompt if known else o["task"]
    print(f"Task: {prompt}\nWorkspace: {workspace}\nModel: {llm.describe()}; techniques: "
          f"{techniques.name}\n")
    r = run_planning_agent(llm, prompt, workspace, seed=o["seed"], max_steps=o["max_steps"],
                           techniques=techniques, quiet=False)
    print(f"\nstop: {r.stop_reason}; {r.steps} steps, plan {r.plan_done}/{len(r.plan_steps)} "
          f"steps done, {r.replans} replans, {r.test_runs} test runs, verified: {r.verified}; "
          f"{r.prompt_tokens} prompt + {r.completion_tokens} completion tokens, "
          f"{r.wall_seconds:.0f} s\nTrajectory: {r.trajectory}")
    if known is None:
        return 0 if r.finished else 1
    grade = known.grade(workspace)
    print(f"{'PASSED' if grade.passed else 'FAILED'}: {grade.detail}")
    return 0 if grade.passed else 1


if __name__ == "__main__":
    sys.exit(run_main(main))
