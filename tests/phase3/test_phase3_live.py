"""With the real embedded model (Qwen2.5-Coder-0.5B): the first step of the broken.py task
parses into a valid action, and extract() returns a valid object with constrained decoding."""

from __future__ import annotations

import pytest

from phase3_tools.extract import extract
from phase3_tools.extract_eval import Order
from phase3_tools.tasks import run_task
from shared.agent.loop import DEFAULT_FORMAT

pytestmark = pytest.mark.live


def test_first_step_of_fix_broken_is_a_valid_action(embedded_llm, tmp_path):
    run = run_task("fix_broken", embedded_llm, tmp_path / "ws", DEFAULT_FORMAT, max_steps=1,
                   temperature=0.0, seed=0)
    result = run.result
    assert result.steps == 1
    assert result.valid_actions == 1, result.messages[-1]
    action = result.actions[0]
    assert action.name in {"read_file", "run_python", "list_files", "run_shell"}
    assert "broken.py" in str(action.arguments) or action.name == "list_files"


def test_extract_with_constrained_decoding(embedded_llm):
    found = extract("Order from Tom Becker: 12 pencils, deliver to Berlin.", Order, embedded_llm)
    assert found.ok, found.errors
    assert found.value.quantity == 12 and "Tom" in found.value.customer
