"""Phase 4's definition of done, run for real with the configured model.

    python -m phase4_context.check                                  # the three fixture tasks
    python -m phase4_context.check --tasks=fix_users_500 --record=0 # one task, nothing recorded

On the user service (fixtures/userservice), with the combined context strategy and a budget of
window - reserve tokens per request:
- each task's hidden tests pass (the agent never saw them);
- no request in any trajectory is over the budget;
- for the embedded model, every request's count equals the prompt tokens llama.cpp reported.
A plot of the context size per step of every task goes beside the trajectories.
"""

from __future__ import annotations

import sys
from pathlib import Path

from phase4_context.tasks import TASKS, run_task
from shared.agent import DEFAULT_FORMAT, FORMATS
from shared.agent.guardrails import deny_risky
from shared.check_report import CheckReport
from shared.cli import UsageError, parse_overrides, run_main
from shared.context.context_manager import STRATEGIES, ContextBudget
from shared.context.context_plot import plot_context, requests_over_budget
from shared.llm import get_llm
from shared.trajectory import runs_root

tasks = ",".join(TASKS)
strategy = "combined"
window = 4096
reserve = 700
format = DEFAULT_FORMAT  # noqa: A001
record = True
reproduce = True   # run the command a task names before the model's first step


def main(argv: list[str] | None = None) -> int:
    o = parse_overrides(sys.argv[1:] if argv is None else argv, {
        "tasks": tasks, "strategy": strategy, "window": window, "reserve": reserve,
        "format": format, "record": record, "reproduce": reproduce}, doc=__doc__)
    names = [n for n in o["tasks"].split(",") if n]
    for name in names:
        if name not in TASKS:
            raise UsageError(f"--tasks: {name!r} is not a task; the tasks are {', '.join(TASKS)}.")
    if o["strategy"] not in STRATEGIES:
        raise UsageError(f"--strategy={o['strategy']} is not one of {', '.join(STRATEGIES)}.")
    if o["format"] not in FORMATS:
        raise UsageError(f"--format={o['format']} is not one of {', '.join(FORMATS)}.")
    budget = ContextBudget(o["window"], o["reserve"])
    report = CheckReport("phase4_context", "an agent finishes the fixture tasks within a token budget")
    llm = get_llm()
    trajectories: dict[str, Path] = {}
    requests = over = mismatches = largest = 0
    exact = False
    for name in names:
        print(f"\n== {name}: {TASKS[name].prompt}", flush=True)
        run = run_task(name, llm, runs_root() / "phase4" / f"check-{name}", o["strategy"], budget,
                       reproduce=o["reproduce"], action_format=o["format"], approve=deny_risky,
                       max_tokens=o["reserve"],
                       temperature=0.0, seed=0, verbose=True)
        r = run.result
        trajectories[name] = r.trajectory
        requests += len(r.requests)
        over += len(requests_over_budget(r.trajectory))
        mismatches += len(r.count_mismatches)
        largest = max(largest, r.max_request)
        exact = exact or r.counter == "llama.cpp"
        figures = (f"{r.steps} steps, stop: {r.stop_reason}, {r.compactions} compactions, largest "
                   f"request {r.max_request}/{r.budget} tokens, prompt tokens sent {r.sent_tokens} "
                   f"/ evaluated {r.evaluated_tokens}, {r.wall_seconds:.0f} s; trajectory "
                   f"{r.trajectory}")
        report.add(f"{name} ({llm.describe()})", run.passed, f"{run.detail}; {figures}",
                   "read the trajectory to see where the agent went wrong; try the bigger model "
                   "(AGENTLAB_EMBEDDED_MODEL=qwen2.5-coder-1.5b) or another --strategy")
    report.add("every request within the budget", over == 0,
               f"{requests - over} of {requests} requests within {budget.limit} tokens (window "
               f"{budget.window} - reserve {budget.reserve}); the largest had {largest}",
               "a strategy let the context grow past the budget: see the context_overflow event "
               "in the trajectory")
    if exact:
        report.add("token counts exact", mismatches == 0,
                   f"counted = reported by llama.cpp on {requests - mismatches} of {requests} requests",
                   "the chat template or tokenizer used for counting differs from the backend's: "
                   "see the count_mismatch events")
    else:
        report.note("token counts", f"estimated ({llm.describe()} does not expose its tokenizer); "
                    f"{mismatches} requests differed from the reported count")
    picture = plot_context(trajectories, runs_root() / "phase4" / "check-context.png",
                           f"phase4 check: context size per step ({o['strategy']})")
    report.note("plot", str(picture))
    print(f"\nLLM usage: {llm.usage.summary()}")
    return report.finish(record=o["record"])


if __name__ == "__main__":
    sys.exit(run_main(main))
