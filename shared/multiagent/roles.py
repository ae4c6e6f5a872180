"""The coder and the reviewer: two configurations of the shared agent core (phase 4's
ContextAgent, subclassed; nothing of the loop is copied), told apart by their tools and rules.

    coder = Coder(llm, workspace)        # list, read, search, write, edit, run_python, run_shell
    reviewer = Reviewer(llm, workspace)  # list, read, search, run_tests: no tool that writes
    coder.run("Your subtask: write words.py ...").answer      # one sentence: what it changed
    reviewer.run("Review ...").answer, reviewer.last_tests     # "REJECT: ...", the last test run

The planner has no tools at all: it is one model call (planner.py).

Why split the tools? A coder that may not run the tests cannot declare its own work finished
by them, and a reviewer that may not edit cannot "fix" what it should report: each role can do
only its part, so every hand-over between them is a message the orchestrator sees and logs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from shared.agent import Action, Observation, ToolRegistry, final_answer
from shared.agent.guardrails import Approver, deny_risky
from shared.context import ContextAgent, ContextBudget, get_policy
from shared.llm import ChatBackend, Message
from shared.tools import build_registry, context_tools, run_tests_tool, workspace_tools
from shared.tools.test_runner import TestSummary

WINDOW = 8192            # tokens: the embedded model's context, as the phase 5 agent
TRUNCATE_TOKENS = 500    # a run_tests summary must arrive whole (phase 5's setting)
REPLY_TOKENS = 700       # per reply (the benchmark's MAX_TOKENS)
WRITING_TOOLS = {"write_file", "edit_file", "run_python", "run_shell"}

CODER_RULES = """
Working in a team:
- A planner split the goal into subtasks; you do the one you are given, nothing more.
- You cannot run the tests: a reviewer runs them after you finish and tells you what fails. \
Run your code with run_python or run_shell to try it.
- When your subtask is done, call final_answer with one sentence: which files you changed and how.
"""
REVIEWER_RULES = """
You are the reviewer of a team. You cannot change files: you read them, search them and run \
the tests. Check the coder's work against its subtask and the goal.
- Call run_tests first when the workspace has tests; read the code the failures point at.
- End with final_answer. Its answer starts with APPROVE when the work does what the subtask \
asks, or with REJECT: followed by what is wrong (file, line, the failing case) and what the \
coder should change.
"""

# The reviewer's worked examples (few-shot): one review that rejects with precise feedback, one
# that approves. Small models copy the shape of a demonstration (measured in phase 3).
REVIEW_TASK = ("Review the coder's work on this subtask: Write words.py with count_words(text)."
               "\nThe coder says: Wrote words.py with count_words.\nFiles it changed: words.py")
REVIEW_FAILURE = (
    "2 passed, 1 failed (.).\n\nFAILED test_docstring_examples.py::test_count_words_2: "
    "assert 1 == 0\n    words.py:3: in count_words\n        return len(text.split(' '))")
REVIEW_STEPS: list[tuple[str, str, dict[str, Any], str]] = [
    ("I run the tests first.", "run_tests", {"path": "."}, REVIEW_FAILURE),
    ("One test fails in count_words. I read the function.", "read_file",
     {"path": "words.py", "start": 1, "end": 3},
     "words.py, lines 1-3 of 3:\n1| def count_words(text):\n2|     \"\"\"The number of words."
     "\"\"\"\n3|     return len(text.split(' '))"),
    ("split(' ') gives [''] for empty text. I reject with the fix.", "final_answer",
     {"answer": "REJECT: count_words('') returns 1, the test wants 0. In words.py line 3, use "
                "text.split() with no argument, so that empty text has no words."}, ""),
]
APPROVE_TASK = REVIEW_TASK.replace("words.py", "greet.py").replace("count_words(text)",
                                                                   "greet(name)")
APPROVE_STEPS: list[tuple[str, str, dict[str, Any], str]] = [
    ("I run the tests first.", "run_tests", {"path": "."}, "All 4 tests passed (.)."),
    ("Every test passes and greet.py does what the subtask asks.", "final_answer",
     {"answer": "APPROVE: all 4 tests pass; greet.py has greet(name) as asked."}, ""),
]


def coder_registry(workspace: Path, approve: Approver = deny_risky) -> ToolRegistry:
    """Phase 4's tools (files, search, run_python, run_shell, final_answer): no run_tests."""
    return build_registry(workspace, approve=approve)


def reviewer_registry(workspace: Path, on_tests: Any = None) -> ToolRegistry:
    """list_files, read_file (line ranges), search_files, run_tests and final_answer: no tool
    that writes a file or runs a command."""
    phase3 = {fn.__name__: fn for fn in workspace_tools(workspace)}
    read_file, search_files, _edit_file = context_tools(workspace)
    return ToolRegistry([phase3["list_files"], read_file, search_files,
                         run_tests_tool(workspace, on_tests), final_answer])


def render_steps(fmt: Any, task: str, steps: list[tuple[str, str, dict[str, Any], str]]
                 ) -> list[Message]:
    """A worked example as conversation turns, in the agent's action format."""
    messages: list[Message] = [{"role": "user", "content": task}]
    for think, name, arguments, observation in steps:
        messages.append({"role": "assistant", "content": fmt.render(think, name, arguments)})
        if observation:
            kind = "error" if "failed" in observation else "ok"
            messages.append({"role": "user", "content": f"Observation ({kind}):\n{observation}"})
    return messages


class TeamAgent(ContextAgent):
    """A ContextAgent with a role name, phase 5's context settings, and its role's rules added
    to the system prompt."""

    trajectory_kind = "phase6"
    role = "agent"
    rules = ""
    deadline: float | None = None  # time.perf_counter() after which no new step starts


    def __init__(self, llm: ChatBackend, registry: ToolRegistry, workspace: Path,
                 **agent_options: Any) -> None:
        reserve = agent_options.get("max_tokens", REPLY_TOKENS)
        super().__init__(llm, registry, ContextBudget(WINDOW, reserve),
                         get_policy("combined", truncate_tokens=TRUNCATE_TOKENS),
                         workspace=workspace, **agent_options)

    def initial_messages(self, task: str) -> list[Message]:
        messages = super().initial_messages(task)
        messages[0] = {**messages[0], "content": messages[0]["content"] + self.rules}
        return messages

    def describe(self, task: str) -> dict[str, Any]:
        return {**super().describe(task), "role": self.role}

    def step(self, n: int) -> bool:
        """The team's time limit holds inside a turn too: past the deadline no request is sent,
        and the run ends as "time_limit" (a reply already asked for is waited for)."""
        if self.deadline is not None and time.perf_counter() > self.deadline:
            self.result.stop_reason = "time_limit"
            self.log.log("stopped", step=n, reason="the team's time limit")
            self.say(f"[{n}] stopped: the team's time limit")
            return True
        return super().step(n)


class Coder(TeamAgent):
    """Writes and runs code for one subtask; cannot run the tests (run_shell refuses pytest)."""

    role = "coder"
    rules = CODER_RULES

    def __init__(self, llm: ChatBackend, workspace: Path, approve: Approver = deny_risky,
                 **agent_options: Any) -> None:
        workspace = Path(workspace).resolve()
        super().__init__(llm, coder_registry(workspace, approve), workspace, **agent_options)

    def execute(self, action: Action, n: int) -> Observation:
        code = str(action.arguments.get("command") or action.arguments.get("code") or "")
        if action.name in ("run_shell", "run_python") and "pytest" in code:
            self.log.log("refused", step=n, tool=action.name, reason="the coder runs no tests")
            return Observation("refused: the coder does not run the tests; the reviewer runs "
                               "them after you call final_answer. Run your code with run_python "
                               "to try it.", "refused")
        return super().execute(action, n)


class Reviewer(TeamAgent):
    """Reads, searches and runs the tests; ends with APPROVE or REJECT: <feedback>."""

    role = "reviewer"
    rules = REVIEWER_RULES

    def __init__(self, llm: ChatBackend, workspace: Path, **agent_options: Any) -> None:
        workspace = Path(workspace).resolve()
        self.last_tests: TestSummary | None = None
        self.test_runs = 0
        super().__init__(llm, reviewer_registry(workspace, self.note_tests), workspace,
                         **agent_options)

    def run(self, task: str, trajectory_path: Path | None = None) -> Any:
        self.last_tests = None  # the files cannot change during a review: its runs are fresh
        return super().run(task, trajectory_path)

    def note_tests(self, summary: TestSummary) -> None:
        """Every run_tests result passes through here (the tool's callback)."""
        self.last_tests = summary
        self.test_runs += 1
        if self.log is not None:
            self.log.log("tests", step=self.result.steps, **summary.figures())

    def initial_messages(self, task: str) -> list[Message]:
        """The rules, then the reviewer's own worked examples in place of phase 4's (they show
        writing tools the reviewer does not have)."""
        messages = super().initial_messages(task)
        examples = (render_steps(self.fmt, REVIEW_TASK, REVIEW_STEPS)
                    + render_steps(self.fmt, APPROVE_TASK, APPROVE_STEPS)
                    if self.demonstrate else [])
        messages = [messages[0], *examples, messages[-1]]
        self.context.start(pinned=len(messages))
        return messages
