"""The calculator task, the integration test of this phase, and how it is graded.

    workspace = CALCULATOR.prepare(Path("runs/phase5/ws"))    # an empty folder
    ...the agent works in `workspace`...
    grade = CALCULATOR.grade(workspace)                      # its tests, hidden tests, mutants
    grade.passed, grade.detail

Passing means working, tested code: the agent's own test_calculator.py passes, and hidden tests
that the agent never sees (fixtures/hidden_test_calculator.py) pass against its calculator.py.
For information, the agent's tests are also run against two broken calculators (mutants): good
tests of normal and edge cases fail on both.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.llm import ChatBackend
from shared.planning.planning_agent import PlanningResult, Techniques, run_planning_agent
from shared.tools.test_runner import TestSummary, run_pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HIDDEN_FOLDER = ".hidden_tests"  # inside the workspace, only while the hidden tests run

CALCULATOR_PROMPT = (
    "Create calculator.py with functions add, subtract, multiply and divide, handling division "
    "by zero, and test_calculator.py with pytest tests of normal and edge cases; all tests pass.")
RIGHT = {"add": "a + b", "subtract": "a - b", "multiply": "a * b", "divide": "a / b"}
MUTANTS = {  # what good tests must notice: a wrong normal case, an unhandled edge case
    "add is wrong": {**RIGHT, "add": "a - b"},
    "divide(x, 0) returns 0": {**RIGHT, "divide": "a / b if b else 0"},
}


def calculator_source(bodies: dict[str, str]) -> str:
    return "\n\n".join(f"def {name}(a, b):\n    return {body}\n" for name, body in bodies.items())


@dataclass
class Grade:
    passed: bool
    detail: str
    own_tests: TestSummary | None = None
    hidden: TestSummary | None = None
    mutants_caught: dict[str, bool] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        return {"passed": self.passed, "detail": self.detail,
                "own_tests": self.own_tests.figures() if self.own_tests else None,
                "hidden": self.hidden.figures() if self.hidden else None,
                "mutants_caught": self.mutants_caught}


@dataclass(frozen=True)
class Task:
    name: str
    prompt: str
    module: str        # the file the agent writes
    own_tests: str     # the test file the agent writes
    hidden_test: Path
    max_steps: int

    def prepare(self, workspace: Path) -> Path:
        """A fresh, empty workspace."""
        workspace = Path(workspace)
        if workspace.exists():
            shutil.rmtree(workspace)
        workspace.mkdir(parents=True)
        return workspace

    def grade(self, workspace: Path) -> Grade:
        """The agent's own tests, the hidden tests, and (for information) the mutants."""
        workspace = Path(workspace)
        if not (workspace / self.module).is_file():
            return Grade(False, f"no {self.module} was written")
        if not (workspace / self.own_tests).is_file():
            hidden = run_hidden_test(self.hidden_test, workspace)
            return Grade(False, f"no {self.own_tests} was written (hidden tests: "
                         f"{hidden.counts()})", hidden=hidden)
        own = run_pytest(workspace, self.own_tests)
        hidden = run_hidden_test(self.hidden_test, workspace)
        caught = {name: catches(workspace / self.own_tests, self.module, calculator_source(bodies))
                  for name, bodies in MUTANTS.items()}
        passed = own.ok and hidden.ok
        detail = (f"its own tests: {own.counts()}; hidden tests: {hidden.counts()}; its tests "
                  f"catch {sum(caught.values())} of {len(caught)} broken calculators")
        return Grade(passed, detail, own, hidden, caught)


def run_hidden_test(test_file: Path, workspace: Path) -> TestSummary:
    """Copy the hidden test into the finished workspace, run it there, take it away again."""
    folder = Path(workspace) / HIDDEN_FOLDER
    folder.mkdir(exist_ok=True)
    shutil.copy(test_file, folder / test_file.name)
    try:
        return run_pytest(workspace, f"{HIDDEN_FOLDER}/{test_file.name}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def catches(tests: Path, module: str, broken_source: str) -> bool:
    """Do these tests fail against a broken version of `module`? (In a folder of their own.)"""
    folder = Path(tempfile.mkdtemp(prefix="agentlab-mutant-"))
    try:
        shutil.copy(tests, folder / tests.name)
        (folder / module).write_text(broken_source, encoding="utf-8")
        summary = run_pytest(folder, tests.name)
        return bool(summary.total) and not summary.ok
    finally:
        shutil.rmtree(folder, ignore_errors=True)


CALCULATOR = Task("calculator", CALCULATOR_PROMPT, "calculator.py", "test_calculator.py",
                  FIXTURES / "hidden_test_calculator.py", max_steps=20)
TASKS: dict[str, Task] = {"calculator": CALCULATOR}


@dataclass
class TaskRun:
    task: str
    grade: Grade
    result: PlanningResult
    workspace: Path

    @property
    def passed(self) -> bool:
        return self.grade.passed


def run_task(name: str, llm: ChatBackend, workspace: Path, *, seed: int = 0,
             techniques: Techniques | None = None, max_steps: int = 0,
             quiet: bool = True) -> TaskRun:
    """Prepare the task's workspace, let the planning agent work in it, grade what it left."""
    task = TASKS[name]
    workspace = task.prepare(workspace)
    result = run_planning_agent(llm, task.prompt, workspace, seed=seed,
                                max_steps=max_steps or task.max_steps, techniques=techniques,
                                quiet=quiet)
    return TaskRun(name, task.grade(workspace), result, workspace)
