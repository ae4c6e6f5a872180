"""A plan of 3 to 5 numbered steps, kept as state while the agent works: done, current, left.

    plan = Plan.from_reply(model_reply, task)       # forgiving: numbers, bullets, JSON, prose
    print(plan.render())                            # 1. [done] ...  2. [now] ...  3. [ ] ...
    plan.advance("write_file", {"path": "calculator.py"}, ok=True)   # which step it completed
    plan.replace_rest(new_steps)                    # a replan keeps the steps already done

How does the agent know a step is done? Small models do not reliably say so, so the plan watches
the actions: a step that says "write calculator.py" is done when write_file of calculator.py
succeeds; "run the tests" when run_tests passes; "finish" when the finish is accepted. Each step
gets a kind from its words (write, test, read, finish, other) and the files it names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MIN_STEPS, MAX_STEPS = 3, 5
MAX_STEP_CHARS = 160

PLANNER_SYSTEM = (
    "You plan small coding tasks. Write a numbered plan of 3 to 5 short steps, one line each, "
    "no code. Each step is one thing to do with the tools: write a file, write tests, run the "
    "tests, fix what fails, finish.")
PLAN_REQUEST = "Task: {task}\n\nFiles in the workspace: {files}"
# One worked example (few-shot): a small model copies the shape of an answer better than it
# follows a description of it (asked for "1. Write x.py with ...", the 0.5B wrote exactly that).
PLAN_EXAMPLE = [
    {"role": "user", "content": PLAN_REQUEST.format(
        task="Create words.py with count_words(text), and test_words.py with pytest tests; all "
             "tests pass.", files="none")},
    {"role": "assistant", "content": "1. Write words.py with count_words\n2. Write test_words.py "
                                     "with tests of normal and edge cases\n3. Run the tests with "
                                     "run_tests and fix what fails\n4. Finish with final_answer"},
]
REPLAN_REQUEST = (
    "Task: {task}\n\nYour plan was:\n{plan}\n\nStep {number} ({step}) went wrong: {reason}\n\n"
    "Write a new numbered plan of 2 to 4 steps for what is left to do.")



def plan_request(task: str, files: str = "none") -> list[dict[str, str]]:
    """The messages that ask for a plan: the planner's rules, the worked example, the task."""
    return [{"role": "system", "content": PLANNER_SYSTEM}, *PLAN_EXAMPLE,
            {"role": "user", "content": PLAN_REQUEST.format(task=task, files=files)}]


def replan_request(task: str, plan: str, number: int, step: str, reason: str) -> list[dict[str, str]]:
    """The messages that ask for a new plan of what is left."""
    return [{"role": "system", "content": PLANNER_SYSTEM},
            {"role": "user", "content": REPLAN_REQUEST.format(
                task=task, plan=plan, number=number, step=step, reason=reason)}]


NUMBERED = re.compile(r"^\s*(?:step\s*)?(\d{1,2})\s*[.):\-]\s*(.+)$", re.IGNORECASE)
BULLET = re.compile(r"^\s*[-*•]\s+(.+)$")
FILE_NAME = re.compile(r"[\w./-]*\w\.(?:py|txt|md|json|csv|toml|cfg|ini)\b")
KIND_WORDS = {  # checked in this order: "run the tests" is a test step, not an "other" one
    "finish": ("finish", "final_answer", "final answer", "submit", "report back", "done"),
    "test": ("run the test", "run tests", "run_tests", "pytest", "run all test", "tests pass",
             "verify", "check that", "make sure", "fix", "failing", "failures"),
    "write": ("write", "create", "add", "implement", "define", "make", "update", "edit",
              "change", "modify", "handle", "save"),
    "read": ("read", "look", "inspect", "list", "open", "find", "search", "understand",
             "explore", "examine", "check the"),
}
WRITES = {"write_file", "edit_file"}
TOOL_FOR_KIND = {"write": "write_file", "test": "run_tests", "finish": "final_answer"}
FOCUS_TOOLS = {"write": ("write_file", "edit_file"), "test": ("run_tests", "edit_file", "write_file"),
               "finish": ("final_answer", "run_tests", "edit_file")}
READS = {"read_file", "list_files", "search_files"}


@dataclass
class PlanStep:
    text: str
    done: bool = False
    kind: str = "other"                      # write | test | read | finish | other
    files: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> PlanStep:
        text = clean_step(text)
        return cls(text, kind=step_kind(text), files=FILE_NAME.findall(text))


STATE_MARK = re.compile(r"^\[(?:done|now|x| )\]\s*", re.IGNORECASE)


def clean_step(text: str) -> str:
    """A step as one plain line: no markdown bold, backticks or trailing colon, no state mark
    copied from a rendered plan ("[now] Run the tests": measured, the 0.5B copies them into a
    replan), not too long."""
    text = re.sub(r"\*{2,}|`", "", text).strip().rstrip(":").strip()  # "__" stays: __init__.py
    text = STATE_MARK.sub("", text).strip()
    return text[:MAX_STEP_CHARS]


WRITE_VERBS = ("write", "create", "add", "implement", "define", "update", "edit", "modify", "save")


def step_kind(text: str) -> str:
    lower = text.lower()
    first = lower.split()[0] if lower.split() else ""
    if first in WRITE_VERBS and not any(w in lower for w in KIND_WORDS["finish"][:3]):
        return "write"  # "Write test_x.py with pytest tests" writes (the running comes later)
    for kind, words in KIND_WORDS.items():
        if any(word in lower for word in words):
            if kind == "write" and "test" in lower and any(
                    w in lower for w in ("run ", "pass", "fix")) and not FILE_NAME.search(lower):
                return "test"  # "make sure the tests pass" is about running them
            return kind
    return "other"


def parse_plan_lines(reply: str) -> list[str]:
    """The steps of a model's plan, as forgivingly as we can: a JSON list (or {"plan": [...]}),
    numbered lines ("1.", "1)", "Step 1:"), bullets, else the non-empty lines of prose."""
    text = re.sub(r"```[a-z]*\n.*?(```|$)", "", reply or "", flags=re.DOTALL)  # code is no step
    parsed = from_json(text)
    if parsed:
        return parsed
    numbered = [m.group(2) for m in map(NUMBERED.match, text.splitlines()) if m]
    if numbered:
        return [s for s in map(clean_step, numbered) if s]
    bullets = [m.group(1) for m in map(BULLET.match, text.splitlines()) if m]
    if bullets:
        return [s for s in map(clean_step, bullets) if s]
    lines = [clean_step(line) for line in text.splitlines()]
    return [line for line in lines if len(line.split()) >= 2 and not line.lower().startswith(
        ("here is", "here's", "plan", "sure", "task"))]


def from_json(text: str) -> list[str]:
    start = min((i for i in (text.find("["), text.find("{")) if i >= 0), default=-1)
    if start < 0:
        return []
    try:
        data: Any = json.loads(text[start:])
    except json.JSONDecodeError:
        return []
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), [])
    if not isinstance(data, list):
        return []
    steps = [item if isinstance(item, str) else
             str(next(iter(item.values()), "")) if isinstance(item, dict) and item else ""
             for item in data]
    return [s for s in map(clean_step, steps) if s]


def default_steps(task: str, has_tests: bool = True) -> list[str]:
    """The plan used when the model's cannot be read: write the code, test it, fix, finish."""
    files = list(dict.fromkeys(FILE_NAME.findall(task)))
    code = [f for f in files if not f.split("/")[-1].startswith("test_")]
    tests = [f for f in files if f.split("/")[-1].startswith("test_")]
    steps = [f"Write {' and '.join(code) if code else 'the code'} as the task asks"]
    if has_tests:
        steps.append(f"Write {' and '.join(tests) if tests else 'a test file'} with pytest "
                     "tests of normal and edge cases")
        steps.append("Run the tests with run_tests and fix what fails")
    else:
        steps.append("Run the code to check that it works")
    steps.append("Finish with final_answer")
    return steps


def fit_steps(steps: list[str], task: str, needs_tests: bool) -> tuple[list[str], str]:
    """3 to 5 steps: too few -> the default plan; too many -> the first 4 and the last; a plan
    with no step that runs the tests gets one (when tests are asked for). Returns (steps, note)."""
    steps = list(dict.fromkeys(s for s in steps if s))  # a step written twice is one step
    if len(steps) < MIN_STEPS:
        return default_steps(task, needs_tests), "the plan could not be read: the default plan"
    note = ""
    if len(steps) > MAX_STEPS:
        steps, note = steps[: MAX_STEPS - 1] + steps[-1:], f"cut from {len(steps)} steps to 5"
    if needs_tests and not any(step_kind(s) == "test" for s in steps):
        test_step = "Run the tests with run_tests and fix what fails"
        steps = (steps[:-1] + [test_step, steps[-1]] if len(steps) < MAX_STEPS
                 else steps[:-2] + [test_step, steps[-1]])
        note = (note + "; " if note else "") + "a step to run the tests was added"
    return steps, note


MIN_REST_STEPS = 2  # a replan of one line is not a plan


def default_rest() -> list[str]:
    """The steps left when a replan cannot be read."""
    return ["Read the failures above and fix the code with edit_file",
            "Run the tests with run_tests", "Finish with final_answer"]


def fit_rest(steps: list[str], needs_tests: bool = True) -> list[str]:
    """A replan's steps (read by parse_plan_lines) as the rest of the plan: at most 4 read, the
    default rest when fewer than 2 could be read, a test step when tests are asked for and none
    is there, and a finish at the end. A step written twice is one step."""
    steps = list(dict.fromkeys(s for s in steps if s))[:4]
    steps = steps if len(steps) >= MIN_REST_STEPS else default_rest()
    if needs_tests and not any(step_kind(s) == "test" for s in steps):
        steps = steps[:3] + ["Run the tests with run_tests and fix what fails"]
    if not any(step_kind(s) == "finish" for s in steps):
        steps = [*steps, "Finish with final_answer"]
    return steps


@dataclass
class Plan:
    """The plan as state. `current` is the first step not done."""

    steps: list[PlanStep]
    failures: int = 0                         # failed actions in a row on the current step

    @classmethod
    def from_steps(cls, texts: list[str]) -> Plan:
        return cls([PlanStep.of(t) for t in texts])

    @classmethod
    def from_reply(cls, reply: str, task: str, needs_tests: bool = True) -> tuple[Plan, str]:
        """(the plan, a note on what was repaired or "")."""
        steps, note = fit_steps(parse_plan_lines(reply), task, needs_tests)
        return cls.from_steps(steps), note

    @property
    def current(self) -> int | None:
        """The index of the current step, None when every step is done."""
        return next((i for i, s in enumerate(self.steps) if not s.done), None)

    @property
    def done(self) -> list[int]:
        return [i for i, s in enumerate(self.steps) if s.done]

    @property
    def left(self) -> list[int]:
        return [i for i, s in enumerate(self.steps) if not s.done]

    def render(self) -> str:
        """Every step with its state: [done], [now] or [ ]."""
        now = self.current
        return "\n".join(f"{i + 1}. [{'done' if s.done else 'now' if i == now else ' '}] {s.text}"
                         for i, s in enumerate(self.steps))

    def status_line(self) -> str:
        """One line for the end of an observation: where the plan stands."""
        now = self.current
        if now is None:
            return "[plan: every step is done; if the tests pass, call final_answer]"
        step = self.steps[now]
        tool = TOOL_FOR_KIND.get(step.kind, "")
        hint = f" (call {tool})" if tool and tool not in step.text else ""
        return f"[plan: step {now + 1} of {len(self.steps)} now: {step.text}{hint}]"

    def tools_for_current(self) -> list[str]:
        """The tools that can do the current step (empty: any tool)."""
        now = self.current
        return list(FOCUS_TOOLS.get(self.steps[now].kind, ())) if now is not None else []

    def state(self) -> dict[str, Any]:
        """The plan as plain values, for the trajectory."""
        now = self.current
        return {"steps": [s.text for s in self.steps], "done": [i + 1 for i in self.done],
                "current": None if now is None else now + 1,
                "left": [i + 1 for i in self.left if i != now]}

    def advance(self, tool: str, arguments: dict[str, Any], ok: bool,
                tests_passed: bool = False) -> list[int]:
        """Mark the steps this action completed; returns their indexes. A failed action on the
        current step counts towards a replan (see `failures`)."""
        now = self.current
        if now is None:
            return []
        if not ok:
            if matches(self.steps[now], tool, arguments, tests_passed=False, failed=True):
                self.failures += 1
            return []
        completed = [i for i in self.left
                     if (strength := matches(self.steps[i], tool, arguments, tests_passed)) == 2
                     or (strength == 1 and i == now)]
        for i in completed:
            self.steps[i].done = True
        if completed:
            self.failures = 0
        return completed

    def replace_rest(self, texts: list[str]) -> None:
        """A replan: the steps done stay, the steps left are replaced."""
        self.steps = [s for s in self.steps if s.done] + [PlanStep.of(t) for t in texts]
        self.failures = 0


def touched_files(arguments: dict[str, Any]) -> list[str]:
    path = arguments.get("path") or ""
    return [str(path).lstrip("./")] if path else []


def matches(step: PlanStep, tool: str, arguments: dict[str, Any], tests_passed: bool,
            failed: bool = False) -> int:
    """0: the action has nothing to do with the step; 1: it is the kind of action the step asks
    for; 2: it surely does the step (the file the step names, or the tests passing)."""
    names = [f.split("/")[-1] for f in step.files]
    touched = [f.split("/")[-1] for f in touched_files(arguments)]
    named = bool(names) and any(t in names for t in touched)
    if step.kind == "finish":
        return 2 if tool == "final_answer" else 0
    if step.kind == "test":
        if tool == "run_tests":
            return 2 if tests_passed or failed else 0
        if tool in WRITES and failed is False and "write" in step.text.lower() and named:
            return 2  # "write test_calculator.py and run it": the write part
        return 0
    if step.kind == "write":
        if tool not in WRITES:
            return 0
        if names:
            return 2 if named else 0
        is_test_file = any(t.startswith("test_") or t.endswith("_test.py") for t in touched)
        wants_tests = "test" in step.text.lower()
        return 2 if (is_test_file and wants_tests) else 1 if is_test_file == wants_tests else 0
    if step.kind == "read":
        if tool not in READS and tool != "run_python":
            return 0
        return 2 if named else 1
    return 2 if named else 1 if tool not in READS else 0
