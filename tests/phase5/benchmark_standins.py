"""Stand-ins for the benchmark's tests: a tiny task suite in a temporary folder (task.json,
start/, hidden/, solution/ per task, like the real ones) and a scripted model that answers every
generation: a code block for plain and phase 2, JSON actions for the agents, and for phase 6's
team a plan, the coder's actions and the reviewer's run_tests and verdict."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from shared.bench.generations import PLAIN_SYSTEM
from shared.bench.harness import TaskSuite
from shared.code_loop import SYSTEM_PROMPT
from shared.llm import ScriptedBackend
from shared.multiagent import planner
from shared.multiagent.roles import REVIEWER_RULES
from shared.planning import planning

MARK = "# scripted solution"
TASKS = {
    "add": ("function", "easy", "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n",
            "def add(a, b):\n    return a + b\n", "assert solution.add(2, 3) == 5\n"),
    "double": ("function", "medium", "def double(x):\n    \"\"\"Return 2 * x.\"\"\"\n",
               "def double(x):\n    return 2 * x\n", "assert solution.double(4) == 8\n"),
    "report": ("project", "hard", "def report():\n    \"\"\"Return 'ok'.\"\"\"\n",
               "def report():\n    return 'ok'\n", "assert solution.report() == 'ok'\n"),
}


@dataclass
class StandInTask:
    name: str
    track: str
    level: str
    prompt: str
    timeout_s: float
    entry: list[str]
    folder: Path

    @property
    def main_entry(self) -> str:
        return self.entry[0]


@dataclass
class StandInGrade:
    passed: bool
    n_passed: int
    n_failed: int
    n_errors: int
    output: str
    seconds: float


def make_tasks(root: Path, timeout_s: float = 30.0) -> Path:
    """Write the stand-in tasks under root/tasks; returns that folder."""
    base = root / "tasks"
    for name, (track, level, start, solution, check) in TASKS.items():
        folder = base / name
        for sub, text in (("start", start), ("solution", solution), ("hidden", check)):
            (folder / sub).mkdir(parents=True, exist_ok=True)
            (folder / sub / ("check.py" if sub == "hidden" else "solution.py")).write_text(text)
        info = {"name": name, "track": track, "level": level, "timeout_s": timeout_s,
                "entry": ["solution.py"], "prompt": f"Write {name} in solution.py."}
        (folder / "task.json").write_text(json.dumps(info))
    return base


def suite_for(base: Path) -> TaskSuite:
    """load / prepare / grade over the stand-in tasks, with task_set's signatures."""

    def load(track: str | None = None, names: list[str] | None = None) -> list[StandInTask]:
        tasks = []
        for folder in sorted(p for p in base.iterdir() if p.is_dir()):
            info = json.loads((folder / "task.json").read_text())
            if (track is None or info["track"] == track) and (not names or info["name"] in names):
                tasks.append(StandInTask(folder=folder, **info))
        return tasks

    def prepare(task: StandInTask, dest: Path) -> Path:
        shutil.copytree(task.folder / "start", dest)
        return dest

    def grade(task: StandInTask, workspace: Path, timeout_s: float | None = None) -> StandInGrade:
        shutil.copy(task.folder / "hidden" / "check.py", workspace / "check.py")
        start = time.perf_counter()
        run = subprocess.run([sys.executable, "-c", "import solution\nexec(open('check.py').read())"],
                             cwd=workspace, capture_output=True, text=True, timeout=30)
        ok = run.returncode == 0
        return StandInGrade(ok, int(ok), int(not ok), 0, run.stderr[-500:],
                            time.perf_counter() - start)

    return TaskSuite(load, prepare, grade)


def solution_for(text: str) -> str:
    """The stand-in solution of the task the conversation is about."""
    for name, (_, _, _, solution, _) in TASKS.items():
        if f"Write {name} in" in text:
            return f"{MARK}\n{solution}"
    return "print('which task?')\n"


def action(name: str, **arguments: object) -> str:
    return json.dumps({"think": f"now {name}", "name": name, "arguments": arguments})


def model_reply(messages: list[dict]) -> str:
    """A code block for plain and phase 2; for the agents: write the solution, then (phase 5,
    whose tools include run_tests) write a test and run it, then final_answer."""
    system = messages[0]["content"]
    asked = "\n".join(str(m.get("content", "")) for m in messages if m["role"] == "user")
    code = solution_for(asked)
    if system in (PLAIN_SYSTEM, SYSTEM_PROMPT):
        return f"```python\n{code}```"
    if system == planning.PLANNER_SYSTEM:
        return "1. Write solution.py\n2. Write test_solution.py\n3. Run the tests\n4. Finish"
    if system == planner.SYSTEM:
        return "1. Write solution.py as the task asks\n2. Run the tests\n3. Finish"
    done = "\n".join(str(m.get("content", "")) for m in messages if m["role"] == "assistant")
    if system.endswith(REVIEWER_RULES):  # the team's reviewer: the tests, then its verdict
        task_at = max(i for i, m in enumerate(messages) if m["role"] == "user"
                      and str(m["content"]).startswith("Review the coder's work"))
        if len(messages) == task_at + 1:
            return action("run_tests")
        return action("final_answer", answer="APPROVE: the solution is there")
    if MARK not in done:
        return action("write_file", path="solution.py", content=code)
    if "run_tests" in system and "test_solution.py" not in done:
        return action("write_file", path="test_solution.py",
                      content=f"import solution\n\n\ndef test_it():\n    {check_for(asked)}")
    if "run_tests" in system and '"run_tests"' not in done:
        return action("run_tests")
    return action("final_answer", answer="solution.py is written and tested")


def check_for(text: str) -> str:
    for name, (_, _, _, _, check) in TASKS.items():
        if f"Write {name} in" in text:
            return check
    return "assert False\n"


def scripted_factory(log: Path | None = None, reply=model_reply):
    """A backend factory for the harness; each call is noted in `log` (one line per backend)."""

    def make(model: str, threads: int) -> ScriptedBackend:
        if log is not None:
            with open(log, "a") as handle:
                handle.write(f"{model}\n")
        return ScriptedBackend(reply, model=model or "scripted-model")

    return make
