"""The fixture tasks: a small user service (fixtures/userservice) and three jobs on it, each judged
by hidden tests that the agent never sees (fixtures/hidden_tests).

    task = TASKS["fix_users_500"]
    workspace = task.prepare(Path("runs/phase4/ws"))      # a fresh copy of the service
    ...the agent works in `workspace`...
    passed, detail = task.check(workspace)                # runs the hidden tests against it

| task              | what the agent must do                                  | tool calls |
| fix_users_500     | GET /users answers 500: find the bug and fix it         | about 5    |
| validate_user_id  | every function taking user_id refuses a bad one         | about 10   |
| document_functions| a docstring for each of the 18 undocumented functions   | 20 or more |

The hidden tests are copied into the workspace only once the agent has finished, run there with
pytest in the sandbox, and removed again.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.agent.guardrails import deny_risky
from shared.context.context_agent import ContextAgent, ContextResult
from shared.context.context_manager import ContextBudget
from shared.llm import ChatBackend
from shared.sandbox import SandboxLimits, run_command
from shared.tools.file_tools import build_registry

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROJECT = FIXTURES / "userservice"
HIDDEN_TESTS = FIXTURES / "hidden_tests"
TEST_TIMEOUT_S = 120.0  # pytest alone takes seconds on a busy machine
TEST_CPU_S = 60  # CPU seconds the hidden tests may use
HIDDEN_FOLDER = ".hidden_tests"  # inside the workspace, only while the hidden tests run


@dataclass(frozen=True)
class Task:
    name: str
    prompt: str
    max_steps: int

    @property
    def hidden_test(self) -> Path:
        return HIDDEN_TESTS / f"test_{self.name}.py"

    def prepare(self, workspace: Path) -> Path:
        """A fresh workspace holding a copy of the service."""
        workspace = Path(workspace)
        if workspace.exists():
            shutil.rmtree(workspace)
        shutil.copytree(PROJECT, workspace,
                        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
        return workspace

    def check(self, workspace: Path) -> tuple[bool, str]:
        """Run this task's hidden tests against `workspace`: (passed, one line saying how it went)."""
        return run_hidden_tests(self.hidden_test, workspace)


def run_hidden_tests(test_file: Path, workspace: Path) -> tuple[bool, str]:
    """Copy the hidden test into the finished workspace (the sandbox sees only the workspace and
    the read-only system), run it with pytest there, and take it away again."""
    workspace = Path(workspace)
    folder = workspace / HIDDEN_FOLDER
    folder.mkdir(exist_ok=True)
    shutil.copy(test_file, folder / test_file.name)
    arguments = ["-q", "-p", "no:cacheprovider", "--rootdir", str(workspace),
                 "--confcutdir", str(workspace), f"{HIDDEN_FOLDER}/{test_file.name}"]
    try:  # the sandbox already keeps pytest from loading the plugins installed beside it
        run = run_command([sys.executable, "-m", "pytest", *arguments], workspace=workspace,
                          timeout_s=TEST_TIMEOUT_S, limits=SandboxLimits(cpu_s=TEST_CPU_S))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if run.timed_out:
        return False, f"the hidden tests timed out after {TEST_TIMEOUT_S:g} s"
    lines = [line for line in run.stdout.strip().splitlines() if line.strip()]
    summary = lines[-1] if lines else (run.stderr.strip().splitlines() or ["no output"])[-1]
    return run.ok, f"hidden tests: {summary.strip('= ')}"


TASKS: dict[str, Task] = {
    "fix_users_500": Task(
        "fix_users_500",
        "The /users endpoint of this service answers 500 instead of the list of users (try "
        "`python -m service.app GET users`). Find the bug and fix it, then check that "
        "/users answers 200.",
        max_steps=15),
    "validate_user_id": Task(
        "validate_user_id",
        "Add input validation to every function in service/ that takes a user_id parameter, "
        "as update_email and add_order already do: each must call require_user_id(user_id) "
        "first, so that a user_id that is not a positive int raises ValueError. Then run "
        "`python -m pytest -q tests`.",
        max_steps=30),
    "document_functions": Task(
        "document_functions",
        "Every function in the .py files of service/ must have a one-line docstring that says "
        "what it does. Find the functions that have none and add one to each (there are 18), "
        "then run `python -m pytest -q tests` to check that nothing broke.",
        max_steps=45),
}


@dataclass
class TaskRun:
    task: str
    passed: bool
    detail: str
    result: ContextResult
    workspace: Path


def run_task(name: str, llm: ChatBackend, workspace: Path, strategy: str = "combined",
             budget: ContextBudget | None = None, max_steps: int = 0, reproduce: bool = True,
             show_files: bool = True, **agent_options: Any) -> TaskRun:
    """Prepare the task's workspace, let the context agent work in it, run the hidden tests.
    reproduce: run the command the task names before the model's first step (reproduce.py);
    show_files: list the workspace's files under the task (file_map.py)."""
    task = TASKS[name]
    workspace = task.prepare(workspace)
    registry = build_registry(workspace, approve=agent_options.pop("approve", deny_risky),
                              engine=agent_options.pop("engine", "auto"))
    agent = ContextAgent(llm, registry, budget, strategy, workspace=workspace,
                         max_steps=max_steps or task.max_steps, reproduce=reproduce,
                         show_files=show_files, **agent_options)
    result = agent.run(task.prompt)
    passed, detail = task.check(workspace)
    return TaskRun(name, passed, detail, result, workspace)


def apply_edits(workspace: Path, edits: list[tuple[str, str, str]]) -> None:
    """Replace text in files of `workspace`: (path, old, new) each, old found exactly once.
    Used by the tests and the notebooks to play a solution without a model."""
    for path, old, new in edits:
        target = Path(workspace) / path
        text = target.read_text()
        if text.count(old) != 1:
            raise ValueError(f"{old!r} is not found exactly once in {path}")
        target.write_text(text.replace(old, new))

