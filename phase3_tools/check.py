"""Phase 3's definition of done, run for real with the configured model.

    .venv/bin/python -m phase3_tools.check                  # all three tasks; broken.py must pass
    .venv/bin/python -m phase3_tools.check --only_dod       # only fix_broken, the one that decides
    .venv/bin/python -m phase3_tools.check --no_record      # do not write history.md (tests)
    .venv/bin/python -m phase3_tools.check --format=constrained

The agent must fix sandbox/broken.py on its own (read, fix, write, run); the other two tasks
are run and reported but do not decide the verdict.
"""

from __future__ import annotations

import sys
from pathlib import Path

from phase3_tools.tasks import TASKS, run_task
from shared.agent.action_formats import FORMATS
from shared.agent.guardrails import deny_risky
from shared.agent.loop import DEFAULT_FORMAT, MAX_STEPS
from shared.check_report import CheckReport
from shared.cli import UsageError, parse_overrides, run_main
from shared.llm import get_llm
from shared.trajectory import runs_root

DEFINITION_OF_DONE = "fix_broken"


def main(argv: list[str] | None = None) -> int:
    options = parse_overrides(sys.argv[1:] if argv is None else argv, {
        "format": DEFAULT_FORMAT, "only_dod": False, "no_record": False}, doc=__doc__)
    action_format = options["format"]
    if action_format not in FORMATS:
        raise UsageError(f"--format={action_format} is not one of {', '.join(FORMATS)}.")
    report = CheckReport("phase3_tools", "a tool-using agent fixes broken.py on its own")
    llm = get_llm()
    names = [DEFINITION_OF_DONE] if options["only_dod"] else list(TASKS)
    for name in names:
        print(f"\n== {name}: {TASKS[name].prompt}", flush=True)
        run = run_task(name, llm, Path(runs_root() / "phase3" / f"check-{name}"), action_format,
                       approve=deny_risky, max_steps=MAX_STEPS, temperature=0.0, seed=0,
                       verbose=True)
        r = run.result
        figures = (f"{r.steps} steps, {r.valid_actions}/{r.steps} valid actions, "
                   f"{r.prompt_tokens + r.completion_tokens} tokens, {r.seconds:.0f} s, "
                   f"stop: {r.stop_reason}; trajectory {r.trajectory}")
        if name == DEFINITION_OF_DONE:
            report.add(f"{name} ({action_format}, {llm.describe()})", run.passed,
                       f"{run.detail}; {figures}",
                       "read the trajectory file to see where the agent went wrong; try "
                       "--format=constrained or a larger model (AGENTLAB_EMBEDDED_MODEL)")
        else:
            outcome = "succeeded" if run.passed else "did not succeed"
            report.note(name, f"{outcome}: {run.detail}; {figures}")
    print(f"\nLLM usage: {llm.usage.summary()}")
    return report.finish(record=not options["no_record"])


if __name__ == "__main__":
    sys.exit(run_main(main))
