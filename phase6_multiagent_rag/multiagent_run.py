"""Run the multi-agent team (planner, coder, reviewer) on a benchmark task or on a goal of yours,
printing every message between the agents as it is sent.

    python -m phase6_multiagent_rag.multiagent_run --task=word_count          # a benchmark task
    python -m phase6_multiagent_rag.multiagent_run --goal="Create fizz.py with fizzbuzz(n) ..." \
        --workspace=runs/phase6/fizz                                          # a goal, a folder

A benchmark task runs in a fresh copy of its starting files under runs/phase6/multiagent/ and is
graded with its hidden tests at the end; a goal runs in --workspace as it is (made if missing).
The message log (JSON lines: from, to, type, content, time, tokens) and the trajectory (every
agent's steps) are printed at the start; notebook 03 replays a log as a timeline. Exit code 0:
the task passed its hidden tests (a goal: the team approved its work); 1: not; 2: usage.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from shared.bench import task_set
from shared.cli import UsageError, parse_overrides, run_main
from shared.llm import get_llm
from shared.multiagent import coordination_failures, message_log_path, read_messages, run_team
from shared.multiagent.orchestrator import MAX_STEPS, TIME_LIMIT_S
from shared.trajectory import new_trajectory_path, runs_root

task = ""                 # a benchmark task name (shared/bench/tasks), or ...
goal = ""                 # ... a goal of your own, with --workspace
workspace = ""
max_steps = MAX_STEPS     # model replies in all, every agent together
time_limit = TIME_LIMIT_S
seed = 0
temperature = 0.0
quiet = False             # True: only the messages, not each agent's steps


def main(argv: list[str] | None = None) -> int:
    o = parse_overrides(sys.argv[1:] if argv is None else argv, {
        "task": task, "goal": goal, "workspace": workspace, "max_steps": max_steps,
        "time_limit": time_limit, "seed": seed, "temperature": temperature, "quiet": quiet},
        doc=__doc__)
    if bool(o["task"]) == bool(o["goal"]):
        raise UsageError("give --task=NAME (a benchmark task) or --goal=TEXT with --workspace=DIR, "
                         "not both and not neither.")
    if o["max_steps"] < 3:
        raise UsageError("--max_steps must be at least 3: a plan, a coder reply and a review.")
    bench_task = None
    if o["task"]:
        bench_task = task_set.load_tasks(names=[o["task"]])[0]
        folder = (runs_root() / "phase6" / "multiagent"
                  / f"{datetime.now():%Y%m%d-%H%M%S}-{bench_task.name}")
        ws = task_set.prepare_workspace(bench_task, folder / "workspace")
        prompt, trajectory = bench_task.prompt, folder / "trajectory.jsonl"
    else:
        if not o["workspace"]:
            raise UsageError("--goal needs --workspace=DIR: the folder the team works in.")
        ws = Path(o["workspace"]).resolve()
        ws.mkdir(parents=True, exist_ok=True)
        prompt, trajectory = o["goal"], new_trajectory_path("phase6", o["goal"])
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)  # live progress through a pipe or a file too
    llm = get_llm()
    print(f"Goal: {prompt}\nWorkspace: {ws}\nModel: {llm.describe()}; budget {o['max_steps']} "
          f"replies, {o['time_limit']:.0f} s\nMessages: {message_log_path(trajectory)}\n"
          f"Trajectory: {trajectory}\n", flush=True)
    r = run_team(llm, prompt, ws, seed=o["seed"], max_steps=o["max_steps"],
                 trajectory_path=trajectory, temperature=o["temperature"],
                 time_limit_s=o["time_limit"], verbose=True, agent_steps=not o["quiet"])
    print(f"\nstop: {r.stop_reason}; {len(r.done)} subtasks approved, {len(r.subtasks)} left; "
          f"{r.coder_runs} coder runs, {r.reviews} reviews ({r.rejections} rejected, "
          f"{r.overruled} overruled), {r.replans} replans; {r.steps} replies, "
          f"{r.prompt_tokens} prompt + {r.completion_tokens} completion tokens "
          f"({', '.join(f'{k} {v}' for k, v in r.tokens_by_role.items())}), {r.seconds:.0f} s")
    passed = None
    if bench_task is not None:
        grade = task_set.grade(bench_task, ws)
        passed = grade.passed
        print(f"{'PASSED' if passed else 'FAILED'} the hidden tests: {grade.counts()}")
    found = coordination_failures(read_messages(r.message_log), passed)
    for f in found:
        print(f"coordination failure: {f.kind}: {f.detail}")
    print(f"Messages: {r.message_log}\nTrajectory: {r.trajectory}")
    return 0 if (passed if passed is not None else r.finished) else 1


if __name__ == "__main__":
    sys.exit(run_main(main))
