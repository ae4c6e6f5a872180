"""The milestone: the agent fixes sandbox/broken.py with the configured model, step by step.

    python -m phase3_tools.run                         # fix_broken, default format, approve=ask
    python -m phase3_tools.run --task=line_report --format=constrained --approve=deny-risky

Hyperparameters are the plain values below; each one can be overridden as --name=value.
"""

from __future__ import annotations

import sys
from pathlib import Path

from shared.agent.loop import DEFAULT_FORMAT
from shared.agent.guardrails import APPROVERS
from phase3_tools.tasks import TASKS, run_task
from shared.llm import get_llm
from shared.trajectory import runs_root

task = "fix_broken"          # one of TASKS
format = DEFAULT_FORMAT      # json | tags | native | constrained  # noqa: A001
approve = "ask"              # ask (human in the loop) | approve-all | deny-risky
max_steps = 10
max_tokens = 700
temperature = 0.0
seed = 0


def parse_overrides(argv: list[str], defaults: dict[str, object]) -> dict[str, object]:
    """--name=value for any of `defaults`, converted to the default's type."""
    values = dict(defaults)
    for arg in argv:
        name, _, raw = arg.lstrip("-").partition("=")
        if name not in values:
            raise SystemExit(f"unknown option --{name}; the options are: "
                             + ", ".join(f"--{k}" for k in defaults))
        values[name] = type(defaults[name])(raw)
    return values


def main(argv: list[str] | None = None) -> int:
    options = parse_overrides(argv if argv is not None else sys.argv[1:], {
        "task": task, "format": format, "approve": approve, "max_steps": max_steps,
        "max_tokens": max_tokens, "temperature": temperature, "seed": seed})
    if options["task"] not in TASKS:
        raise SystemExit(f"unknown task {options['task']!r}; choose one of {', '.join(TASKS)}")
    llm = get_llm()
    workspace = runs_root() / "phase3" / f"workspace-{options['task']}"
    print(f"Task: {TASKS[options['task']].prompt}\nWorkspace: {workspace}\n")
    run = run_task(options["task"], llm, Path(workspace), options["format"],
                   approve=APPROVERS[options["approve"]], max_steps=options["max_steps"],
                   max_tokens=options["max_tokens"], temperature=options["temperature"],
                   seed=options["seed"], verbose=True)
    r = run.result
    print(f"\n{'PASSED' if run.passed else 'FAILED'}: {run.detail}")
    print(f"stop: {r.stop_reason}; {r.steps} steps, {r.valid_actions} valid actions, "
          f"{r.prompt_tokens}+{r.completion_tokens} tokens, {r.seconds:.1f} s")
    print(f"Trajectory: {r.trajectory}")
    return 0 if run.passed else 1


if __name__ == "__main__":
    sys.exit(main())
