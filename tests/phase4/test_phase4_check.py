"""The fixture tasks' hidden tests, and make check / make bench with a scripted model (the real
runs are `make -C phase4_context check` and `bench`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import solutions

from phase4_context import check
from phase4_context.tasks import TASKS, apply_edits
from shared.cli import UsageError
from shared.context.context_manager import SUMMARY_REQUEST
from shared.llm import ScriptedBackend

SOLVE = [
    {"name": "run_shell", "arguments": {"command": "python -m service.app GET users"}},
    {"name": "edit_file", "arguments": {"path": "service/users.py", "old": '"email": user["email"],',
                                        "new": '"email": user.get("email"),'}},
    {"name": "run_shell", "arguments": {"command": "python -m service.app GET users"}},
    {"name": "final_answer", "arguments": {"answer": "public_view now copes with a missing email"}},
]
SOLVERS = {
    "fix_users_500": lambda ws: apply_edits(ws, solutions.FIX_USERS_500),
    "validate_user_id": solutions.validate_user_id,
    "document_functions": solutions.document_functions,
}


def test_the_hidden_tests_fail_on_the_untouched_service(tmp_path: Path) -> None:
    for name, task in TASKS.items():
        workspace = task.prepare(tmp_path / name)
        passed, detail = task.check(workspace)
        assert not passed and "failed" in detail, (name, detail)
        assert not (workspace / ".hidden_tests").exists()  # taken away again


def test_the_hidden_tests_pass_on_a_reference_solution(tmp_path: Path) -> None:
    assert solutions.count_undocumented(TASKS["document_functions"].prepare(tmp_path / "c")) == 18
    for name, task in TASKS.items():
        workspace = task.prepare(tmp_path / name)
        SOLVERS[name](workspace)
        passed, detail = task.check(workspace)
        assert passed, (name, detail)


def scripted(actions: list[dict]) -> ScriptedBackend:
    plan = iter(actions)

    def reply(messages):
        if messages[-1]["content"] == SUMMARY_REQUEST:
            return "Task: fix /users. Done: ran it. Plan: edit, run. Facts: KeyError email."
        return json.dumps({"think": "next", **next(plan)})

    return ScriptedBackend(reply)


def test_check_passes_when_the_agent_fixes_the_endpoint(monkeypatch, capsys) -> None:
    monkeypatch.setattr(check, "get_llm", lambda: scripted(SOLVE))
    assert check.main(["--tasks=fix_users_500", "--record=0"]) == 0
    out = capsys.readouterr().out
    assert "[PASS] fix_users_500" in out and "3 passed" in out
    assert "[PASS] every request within the budget" in out
    assert "[INFO] token counts" in out  # the scripted model's counts are estimates


def test_check_fails_when_the_agent_gives_up(monkeypatch, capsys) -> None:
    give_up = [{"name": "final_answer", "arguments": {"answer": "cannot"}}] * 3  # 2 refused
    monkeypatch.setattr(check, "get_llm", lambda: scripted(give_up))
    assert check.main(["--tasks=fix_users_500", "--record=0"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] fix_users_500" in out and "trajectory" in out


def test_check_fails_when_a_request_would_overflow(monkeypatch, capsys) -> None:
    monkeypatch.setattr(check, "get_llm", lambda: scripted(SOLVE))
    assert check.main(["--tasks=fix_users_500", "--record=0", "--window=1500", "--reserve=300"]) == 1
    out = capsys.readouterr().out
    assert "context_overflow" in out and "[FAIL] every request within the budget" in out


def test_check_refuses_what_it_does_not_know(monkeypatch) -> None:
    monkeypatch.setattr(check, "get_llm", lambda: pytest.fail("the model must not be loaded"))
    with pytest.raises(UsageError, match="did you mean --tasks"):
        check.main(["--task=fix_users_500"])
    with pytest.raises(UsageError, match="is not a task"):
        check.main(["--tasks=fix_everything"])


def test_bench_writes_figures_and_a_table(monkeypatch, tmp_path: Path, capsys) -> None:
    import shared.llm
    from phase4_context import bench

    prompt = TASKS["fix_users_500"].prompt

    def solver(messages):
        """Stateless, so one backend serves every run: the next action is the number of
        replies made since the task was given."""
        if messages[-1]["content"] == SUMMARY_REQUEST:
            return "Task: fix /users. Done: -. Plan: -. Facts: -"
        start = max(i for i, m in enumerate(messages) if m["content"].startswith(prompt))
        done = sum(m["role"] == "assistant" for m in messages[start:])
        return json.dumps({"think": "next", **SOLVE[done]})

    backend = ScriptedBackend(solver)
    monkeypatch.setattr(shared.llm, "get_llm", lambda: backend)
    out = tmp_path / "phase4.json"
    assert bench.main(["--strategies=none,combined", "--tasks=fix_users_500", "--seeds=1",
                       f"--out={out}"]) == 0
    figures = json.loads(out.read_text())
    for strategy in ("none", "combined"):
        row = figures["strategies"][strategy]
        assert row["success"] == 1.0 and row["sent_tokens"] > row["evaluated_tokens"] > 0
        # the first run_shell is the agent's own (reproduce first), not a model reply
        assert row["tasks"]["fix_users_500"]["runs"][0]["steps"] == len(SOLVE) - 1
    assert out.with_suffix(".png").exists() and (tmp_path / "phase4-context.png").exists()
    assert "fix_users_500" in capsys.readouterr().out
