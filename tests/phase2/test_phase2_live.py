"""One run of the loop with the real embedded model (marked live: slower, no network)."""

from __future__ import annotations

import pytest

from phase2_dumb_loop.tasks import TASKS
from shared.code_loop.loop import solve
from shared.trajectory import read_trajectory


@pytest.mark.live
def test_embedded_model_prints_one_to_ten(embedded_llm, tmp_path):
    task = TASKS["print_1_to_10"]
    result = solve(task.prompt, embedded_llm, max_attempts=3, max_tokens=256,
                   trajectory_path=tmp_path / "live.jsonl")
    assert result.success, result.history[-1].feedback if result.history else result.stop_reason
    assert task.check(result.stdout), result.stdout
    assert result.tokens > 0
    assert read_trajectory(result.trajectory)[-2]["kind"] == "done"
