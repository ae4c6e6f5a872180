"""A scripted model for the phase 5 agent's tests: plans, actions and best-of samples."""

from __future__ import annotations

import json
from collections.abc import Iterable

from shared.llm import ScriptedBackend
from shared.planning import planning

PLAN = "1. Write calculator.py\n2. Write test_calculator.py\n3. Run the tests\n4. Finish"
GOOD = ("def add(a, b):\n    return a + b\n\n\ndef subtract(a, b):\n    return a - b\n\n\n"
        "def multiply(a, b):\n    return a * b\n\n\ndef divide(a, b):\n    if b == 0:\n"
        "        raise ValueError('division by zero')\n    return a / b\n")
UNSAFE = GOOD.replace("    if b == 0:\n        raise ValueError('division by zero')\n", "")
TESTS = ("import pytest\n\nfrom calculator import add, subtract, multiply, divide\n\n\n"
         "def test_add():\n    assert add(2, 3) == 5\n\n\n"
         "def test_subtract():\n    assert subtract(5, 3) == 2\n\n\n"
         "def test_multiply():\n    assert multiply(4, 3) == 12\n\n\n"
         "def test_divide():\n    assert divide(6, 3) == 2\n\n\n"
         "def test_divide_by_zero():\n    with pytest.raises(ValueError):\n        divide(1, 0)\n")


def act(name: str, **arguments: object) -> tuple[str, dict]:
    return name, arguments


def scripted(actions: Iterable[tuple[str, dict]], plan: str = PLAN,
             replans: Iterable[str] = (), samples: Iterable[str] = ()) -> ScriptedBackend:
    """Plan requests get `plan` (then `replans` in turn), best-of requests `samples` in turn,
    and the conversation the `actions` in order, as JSON actions."""
    actions, replans, samples = iter(actions), iter(replans), iter(samples)

    def reply(messages: list[dict]) -> str:
        system = messages[0]["content"]
        if system == planning.PLANNER_SYSTEM:
            if "went wrong" in messages[-1]["content"]:
                return next(replans, "")
            return plan
        if system.startswith("You write Python code"):
            return next(samples)
        name, arguments = next(actions)
        return json.dumps({"think": f"now {name}", "name": name, "arguments": arguments})

    return ScriptedBackend(reply)
