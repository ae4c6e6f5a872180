"""The milestone: the agent works on the user service within a token budget, step by step.

    python -m phase4_context.run                                   # fix_users_500, combined
    python -m phase4_context.run --task=document_functions --strategy=selective --window=4096

Every request is counted and fitted to the budget (window - reserve); the trajectory under
runs/phase4/ holds the counts of every turn, and a plot of the context size per step is written
beside it. Hyperparameters are the plain values below; each one can be overridden as --name=value.
"""

from __future__ import annotations

import sys
from pathlib import Path

from phase4_context.tasks import TASKS, run_task
from shared.agent import DEFAULT_FORMAT
from shared.agent.guardrails import APPROVERS
from shared.cli import parse_overrides, run_main
from shared.context.context_manager import STRATEGIES, ContextBudget
from shared.context.context_plot import plot_context
from shared.llm import get_llm
from shared.trajectory import runs_root

task = "fix_users_500"       # one of TASKS
strategy = "combined"        # none | truncation | summarisation | selective | combined
window = 4096                # the context window we allow ourselves, in tokens
reserve = 700                # of it, the room kept for the reply (= max_tokens)
format = DEFAULT_FORMAT      # json | tags | native | constrained  # noqa: A001
approve = "deny-risky"       # ask (human in the loop) | approve-all | deny-risky
max_steps = 0                # 0: the task's own limit
reproduce = True             # run the command the task names before the model's first step
point_at_errors = True       # after a traceback, name the project line it was raised at
show_files = True            # list the workspace's files under the task
temperature = 0.0
seed = 0


def main(argv: list[str] | None = None) -> int:
    o = parse_overrides(sys.argv[1:] if argv is None else argv, {
        "task": task, "strategy": strategy, "window": window, "reserve": reserve,
        "format": format, "approve": approve, "max_steps": max_steps,
        "temperature": temperature, "seed": seed, "reproduce": reproduce,
        "point_at_errors": point_at_errors, "show_files": show_files}, doc=__doc__)
    if o["task"] not in TASKS:
        raise SystemExit(f"unknown task {o['task']!r}; choose one of {', '.join(TASKS)}")
    if o["strategy"] not in STRATEGIES:
        raise SystemExit(f"unknown strategy {o['strategy']!r}; choose one of {', '.join(STRATEGIES)}")
    llm = get_llm()
    workspace = runs_root() / "phase4" / f"workspace-{o['task']}"
    budget = ContextBudget(o["window"], o["reserve"])
    print(f"Task: {TASKS[o['task']].prompt}\nWorkspace: {workspace}\nModel: {llm.describe()}; "
          f"strategy {o['strategy']}, budget {budget.limit} tokens per request\n")
    run = run_task(o["task"], llm, Path(workspace), o["strategy"], budget,
                   max_steps=o["max_steps"], reproduce=o["reproduce"],
                   point_at_errors=o["point_at_errors"], show_files=o["show_files"],
                   action_format=o["format"],
                   approve=APPROVERS[o["approve"]], max_tokens=o["reserve"],
                   temperature=o["temperature"], seed=o["seed"], verbose=True)
    r = run.result
    print(f"\n{'PASSED' if run.passed else 'FAILED'}: {run.detail}")
    print(f"stop: {r.stop_reason}; {r.steps} steps, {r.compactions} compactions, largest request "
          f"{r.max_request} of {r.budget} tokens; prompt tokens sent {r.sent_tokens}, evaluated "
          f"{r.evaluated_tokens}; {r.wall_seconds:.0f} s")
    if r.trajectory:
        picture = plot_context({o["strategy"]: r.trajectory}, r.trajectory.with_suffix(".png"))
        print(f"Trajectory: {r.trajectory}\nContext plot: {picture}")
    return 0 if run.passed else 1


if __name__ == "__main__":
    sys.exit(run_main(main))
