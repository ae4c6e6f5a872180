"""The planner: one model call, no tools; it splits a goal into numbered subtasks for the coder.

    plan = make_plan(llm, "Create words.py ... and test_words.py ...", files="none")
    plan.subtasks, plan.note, plan.tokens          # ["Write words.py with ...", ...], "", 210

The reply is read with phase 5's forgiving plan reader (shared.planning.parse_plan_lines:
numbers, bullets, JSON, prose). A subtask is work for the coder, so steps that only run the
tests or finish are dropped (the reviewer and the orchestrator do those), and so are steps
that only read (the coder reads as it works). A plan that cannot be read, or that is empty once
those are dropped, becomes one subtask: the whole goal.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.llm import ChatBackend, LLMError, Message
from shared.planning.planning import FILE_NAME, parse_plan_lines, step_kind

MAX_SUBTASKS = 4
PLAN_TOKENS = 160      # as phase 5's planner: a plan is a few short lines, no code

SYSTEM = (
    "You lead a small team: a coder, who writes and edits files and runs programs, and a "
    "reviewer, who reads the files and runs the tests. Split the task into 1 to 4 subtasks for "
    "the coder: a numbered list, one line each, no code. Each subtask names the files it writes "
    "or changes. Do not list running the tests or finishing: the reviewer checks each subtask.")
REQUEST = "Task: {goal}\n\nFiles in the workspace: {files}"
# A worked example (few-shot): small models copy the shape of an answer (phase 5 measured it).
EXAMPLE: list[Message] = [
    {"role": "user", "content": REQUEST.format(
        goal="Create words.py with count_words(text) and longest_word(text), and test_words.py "
             "with pytest tests of both; all tests pass.", files="none")},
    {"role": "assistant", "content": "1. Write words.py with count_words and longest_word\n"
                                     "2. Write test_words.py with pytest tests of both "
                                     "functions, normal and edge cases"},
]
REPLAN = (
    "Task: {goal}\n\nDone and approved so far: {done}\n\nThe subtask \"{subtask}\" was rejected "
    "{attempts} times. The reviewer's last feedback:\n{feedback}\n\nWrite a new numbered list of "
    "1 to 3 subtasks for the coder, for what is left of the task.")


@dataclass
class PlannerReply:
    """The subtasks, a note on what was repaired ("" when nothing), and what the call cost."""

    subtasks: list[str]
    note: str = ""
    reply: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    error: str = ""            # the model failed to answer (the fallback was used)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def readable(self) -> bool:
        """The model's own plan was used (not a fallback)."""
        return not self.note.startswith("the plan could not be read") and not self.error


def plan_request(goal: str, files: str = "none") -> list[Message]:
    """The messages of a planning call: the rules, the worked example, the goal."""
    return [{"role": "system", "content": SYSTEM}, *EXAMPLE,
            {"role": "user", "content": REQUEST.format(goal=goal, files=files)}]


def replan_request(goal: str, done: list[str], subtask: str, attempts: int,
                   feedback: str) -> list[Message]:
    """The messages of a replanning call: the goal, what is done, what failed and why."""
    return [{"role": "system", "content": SYSTEM}, *EXAMPLE,
            {"role": "user", "content": REPLAN.format(
                goal=goal, done="; ".join(done) or "nothing yet", subtask=subtask,
                attempts=attempts, feedback=feedback.strip()[:600] or "(none)")}]


RUN_WORDS = ("run", "pytest", "verify", "check", "make sure", "tests pass", "all tests")


def is_coder_work(step: str) -> bool:
    """A step the coder should do: not one that only runs or checks the tests (and names no
    file), finishes or reads."""
    kind = step_kind(step)
    if kind in ("finish", "read"):
        return False
    lower = step.lower()
    only_tests = kind == "test" and not FILE_NAME.search(step)
    return not (only_tests and any(word in lower for word in RUN_WORDS))


def subtasks_of(reply: str, fallback: list[str]) -> tuple[list[str], str]:
    """(the coder's subtasks in a planner reply, a note); `fallback` when none can be read."""
    steps = parse_plan_lines(reply)
    work = list(dict.fromkeys(s for s in steps if is_coder_work(s)))
    if not work:
        why = "it had no step for the coder" if steps else "no numbered steps"
        return fallback, f"the plan could not be read ({why}): the fallback was used"
    note = ""
    if len(work) < len(steps):
        note = f"{len(steps) - len(work)} steps that only test, read or finish were dropped"
    if len(work) > MAX_SUBTASKS:
        note = (note + "; " if note else "") + f"cut from {len(work)} subtasks to {MAX_SUBTASKS}"
        work = work[:MAX_SUBTASKS]
    return work, note


def ask(llm: ChatBackend, request: list[Message], fallback: list[str], seed: int | None,
        temperature: float) -> PlannerReply:
    """One planner call, read into subtasks; a failed call gives the fallback (and says why)."""
    try:
        reply = llm.chat(request, temperature=temperature, seed=seed, max_tokens=PLAN_TOKENS,
                         stop=["```"])  # a plan has no code
    except LLMError as err:
        return PlannerReply(fallback, "the plan could not be read (the model failed): the "
                            "fallback was used", error=str(err))
    subtasks, note = subtasks_of(reply.content, fallback)
    return PlannerReply(subtasks, note, reply.content, reply.usage.prompt_tokens,
                        reply.usage.completion_tokens, reply.latency_s)


def make_plan(llm: ChatBackend, goal: str, files: str = "none", seed: int | None = 0,
              temperature: float = 0.0) -> PlannerReply:
    """The first plan; the fallback is the whole goal as one subtask."""
    return ask(llm, plan_request(goal, files), [goal], seed, temperature)


def make_replan(llm: ChatBackend, goal: str, done: list[str], subtask: str, attempts: int,
                feedback: str, seed: int | None = 0, temperature: float = 0.0) -> PlannerReply:
    """A new plan of what is left after `subtask` was rejected `attempts` times; the fallback
    is the failed subtask again, with the reviewer's feedback attached."""
    fallback = [f"{subtask} (the reviewer said: {feedback.strip().splitlines()[0][:200]})"
                if feedback.strip() else subtask]
    request = replan_request(goal, done, subtask, attempts, feedback)
    return ask(llm, request, fallback, seed, temperature)
