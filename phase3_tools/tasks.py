"""The three multi-step tasks of this phase, each with a workspace fixture and a success check.

    task = TASKS["fix_broken"]
    workspace = task.prepare(Path("runs/phase3/ws"))   # a fresh copy of the fixture files
    ...run the agent in `workspace`...
    passed, detail = task.check(workspace, result)

The checks are programmatic: they run the agent's files again in the sandbox and compare with
known answers, rather than believing the agent's final message.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shared.agent.action_formats import final_answer
from shared.agent.guardrails import Approver, deny_risky
from shared.agent.loop import AgentResult, run_agent
from shared.agent.registry import ToolRegistry
from shared.sandbox import run_command
from shared.tools.workspace_tools import workspace_tools

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BROKEN_EXPECTED = "average: 85.0"
PALINDROME_CHECK = """
from palindrome import is_palindrome
cases = {"Racecar": True, "level": True, "Level": True, "hello": False, "ab": False}
wrong = [t for t, want in cases.items() if bool(is_palindrome(t)) != want]
print("wrong:", wrong)
"""


@dataclass
class Task:
    name: str
    prompt: str
    fixture: str  # folder under fixtures/ copied into the workspace
    target: str   # where the fixture goes inside the workspace ("" for the root)
    check: Callable[[Path, AgentResult], tuple[bool, str]]

    def prepare(self, workspace: Path) -> Path:
        """A fresh workspace holding a copy of this task's fixture files."""
        workspace = Path(workspace)
        if workspace.exists():
            shutil.rmtree(workspace)
        destination = workspace / self.target if self.target else workspace
        if self.fixture:
            shutil.copytree(FIXTURES / self.fixture, destination)
        destination.mkdir(parents=True, exist_ok=True)
        # Files stored as NAME.fixture become NAME: a deliberately broken .py file must not
        # trip the repository's linters and import checks.
        for stored in list(workspace.rglob("*.fixture")):
            stored.rename(stored.with_suffix(""))
        return workspace


def _observed(result: AgentResult, text: str) -> bool:
    return any(text in o.text for o in result.observations)


def check_fix_broken(workspace: Path, result: AgentResult) -> tuple[bool, str]:
    """sandbox/broken.py now prints the right average, and the agent ran it itself."""
    script = workspace / "sandbox" / "broken.py"
    if not script.is_file():
        return False, "sandbox/broken.py is gone"
    run = run_command([sys.executable, "sandbox/broken.py"], workspace=workspace, timeout_s=10)
    fixed = BROKEN_EXPECTED in run.stdout
    ran = _observed(result, BROKEN_EXPECTED)
    if fixed and ran:
        return True, f"the fixed file prints {BROKEN_EXPECTED!r} and the agent ran it"
    if fixed:
        return False, "the file is fixed but the agent never ran it"
    tail = (run.stderr.strip().splitlines() or [run.stdout.strip()[:80]])[-1]
    return False, f"sandbox/broken.py does not print {BROKEN_EXPECTED!r} ({tail})"


def py_line_counts(workspace: Path) -> dict[str, int]:
    """{relative path: number of lines} of the fixture's .py files."""
    folder = FIXTURES / "report_task"
    return {str(p.relative_to(folder)): len(p.read_text().splitlines())
            for p in sorted(folder.rglob("*.py"))}


def check_line_report(workspace: Path, result: AgentResult) -> tuple[bool, str]:
    """report.txt names every .py file with its right line count on the same line."""
    report = workspace / "report.txt"
    if not report.is_file():
        return False, "no report.txt was written"
    lines = report.read_text(errors="replace").splitlines()
    missing = []
    for path, count in py_line_counts(workspace).items():
        name = Path(path).name
        if not any(name in line and str(count) in line.replace(name, "") for line in lines):
            missing.append(f"{path}: {count}")
    if missing:
        return False, f"report.txt lacks the right count for {', '.join(missing)}"
    return True, f"report.txt has the right line count for all {len(py_line_counts(workspace))} .py files"


def check_function_and_tests(workspace: Path, result: AgentResult) -> tuple[bool, str]:
    """palindrome.py is right on hidden cases, and test_palindrome.py passes under pytest."""
    if not (workspace / "palindrome.py").is_file():
        return False, "no palindrome.py was written"
    run = run_command([sys.executable, "-c", PALINDROME_CHECK], workspace=workspace, timeout_s=10)
    if "wrong: []" not in run.stdout:
        tail = (run.stderr.strip().splitlines() or [run.stdout.strip()])[-1]
        return False, f"is_palindrome is wrong or broken ({tail[:120]})"
    if not (workspace / "test_palindrome.py").is_file():
        return False, "is_palindrome is right but no test_palindrome.py was written"
    tests = run_command([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                         "test_palindrome.py"], workspace=workspace, timeout_s=30)
    if not tests.ok:
        last = (tests.stdout.strip().splitlines() or ["no output"])[-1]
        return False, f"is_palindrome is right but its tests do not pass ({last[:120]})"
    return True, "is_palindrome is right on the hidden cases and its own tests pass"


TASKS: dict[str, Task] = {
    "fix_broken": Task(
        "fix_broken",
        "Read sandbox/broken.py, find the bug, fix it, write the fixed version back to "
        "sandbox/broken.py, and run it.",
        "broken_task", "sandbox", check_fix_broken),
    "line_report": Task(
        "line_report",
        "List the files in the workspace, then count the lines of each .py file and write a "
        "report to report.txt with one line per .py file, like `app/main.py: 12`.",
        "report_task", "", check_line_report),
    "function_and_tests": Task(
        "function_and_tests",
        "Write a function is_palindrome(text) in palindrome.py that returns True when the text "
        "reads the same backwards, ignoring upper and lower case. Then write pytest tests for "
        "it in test_palindrome.py, and run them with `python -m pytest -q test_palindrome.py`.",
        "", "", check_function_and_tests),
}


@dataclass
class TaskRun:
    task: str
    passed: bool
    detail: str
    result: AgentResult
    workspace: Path


def build_registry(workspace: Path, approve: Approver | None = None) -> ToolRegistry:
    """The five workspace tools plus final_answer, bound to `workspace`."""
    return ToolRegistry(workspace_tools(workspace, approve=approve or deny_risky) + [final_answer])


def run_task(name: str, llm, workspace: Path, action_format: str = "json", **agent_options) -> TaskRun:
    """Prepare the task's workspace, let the agent work in it, and check the outcome."""
    task = TASKS[name]
    workspace = task.prepare(workspace)
    approve = agent_options.pop("approve", None)
    result = run_agent(task.prompt, llm, build_registry(workspace, approve), action_format,
                       **agent_options)
    passed, detail = task.check(workspace, result)
    return TaskRun(name, passed, detail, result, workspace)
