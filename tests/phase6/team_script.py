"""A scripted model for the multi-agent tests: it answers the planner, the coder and the reviewer
by role (each role's system prompt is its own), from queues the test fills."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable

from shared.llm import ScriptedBackend
from shared.multiagent import planner
from shared.multiagent.roles import CODER_RULES, REVIEWER_RULES

GOOD = "def count_words(text):\n    return len(text.split())\n"
BAD = "def count_words(text):\n    return len(text.split(' '))\n"
TESTS = ("from words import count_words\n\n\ndef test_words():\n    assert count_words('a b') == 2"
         "\n\n\ndef test_empty():\n    assert count_words('') == 0\n")
GOAL = "Create words.py with count_words(text), the number of words in text."


def act(name: str, **arguments: object) -> str:
    return json.dumps({"think": f"now {name}", "name": name, "arguments": arguments})


def role_of(messages: list[dict]) -> str:
    system = messages[0]["content"]
    if system == planner.SYSTEM:
        return "planner"
    if system.endswith(CODER_RULES):
        return "coder"
    if system.endswith(REVIEWER_RULES):
        return "reviewer"
    raise AssertionError(f"a request from no known role: {system[:80]!r}")


class TeamScript:
    """plans: planner replies in turn; coder / reviewer: replies in turn (strings, or
    callables of the messages). Every request is kept in `requests[role]`."""

    def __init__(self, plans: Iterable[str] = ("1. Write words.py with count_words",),
                 coder: Iterable[object] = (), reviewer: Iterable[object] = ()) -> None:
        self.queues = {"planner": list(plans), "coder": list(coder), "reviewer": list(reviewer)}
        self.requests: dict[str, list[list[dict]]] = {"planner": [], "coder": [], "reviewer": []}

    def __call__(self, messages: list[dict]) -> str:
        role = role_of(messages)
        self.requests[role].append(copy.deepcopy(messages))  # the agent goes on changing it
        if not self.queues[role]:
            raise AssertionError(f"the {role} was asked once more than scripted")
        reply = self.queues[role].pop(0)
        return reply(messages) if callable(reply) else reply

    def backend(self) -> ScriptedBackend:
        return ScriptedBackend(self)


def coder_writes(content: str, path: str = "words.py") -> list[str]:
    """One coder attempt: write the file, then say so."""
    return [act("write_file", path=path, content=content),
            act("final_answer", answer=f"wrote {path}")]


def review(verdict: str) -> list[str]:
    """One review: run the tests, then the verdict."""
    return [act("run_tests"), act("final_answer", answer=verdict)]
