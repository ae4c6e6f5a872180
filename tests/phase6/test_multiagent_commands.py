"""The phase 6 entry points on stand-ins: compare.py (single vs team through the harness, the
"multiagent" key of phase6.json beside the others, the markdown table) and multiagent_run.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from team_script import GOAL, GOOD, TESTS, TeamScript, coder_writes, review

from phase6_multiagent_rag import compare, multiagent_run
from shared.cli import UsageError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "phase5"))
from benchmark_standins import make_tasks, scripted_factory, suite_for  # noqa: E402


def test_compare_writes_its_key_and_keeps_the_others(tmp_path: Path, capsys) -> None:
    out = tmp_path / "phase6.json"
    out.write_text(json.dumps({"retrieval": {"quality": {"hybrid": 0.72}}}))
    suite = suite_for(make_tasks(tmp_path))
    code = compare.main(["--track=", "--tasks=add,report", "--workers=1", f"--out={out}"],
                        suite=suite, make_llm=scripted_factory())
    assert code == 0
    saved = json.loads(out.read_text())
    assert saved["retrieval"] == {"quality": {"hybrid": 0.72}}
    table = saved["multiagent"]["table"]["scripted-model"]
    assert set(table) == {"phase5", "phase6"}
    assert table["phase6"]["passed_runs"] == 2 and table["phase6"]["coordination"] == {}
    assert saved["multiagent"]["config"]["tasks"] == ["add", "report"]
    assert saved["multiagent"]["aim"]["scripted-model"]["status"] == "not met"
    page = (tmp_path / "phase6-multiagent.md").read_text()
    assert "| scripted-model | phase6 | 100% | 2 of 2 |" in page
    assert "on the 2 tasks both solved, the team spent" in page
    assert "Coordination failures" in (Path(saved["multiagent"]["run"]) / "report.md").read_text()
    assert "table:" in capsys.readouterr().out


def record(generation: str, task: str, passed: bool, **extra: object) -> dict:
    return {"model": "m", "generation": generation, "task": task, "seed": 0, "track": "project",
            "level": "hard", "passed": passed, "status": "done", "prompt_tokens": 100,
            "completion_tokens": 10, "seconds": 5.0, "steps": 4, "replies": 4,
            "well_formed": 4, **extra}


def test_the_aim_counts_project_tasks_only_the_team_solved() -> None:
    records = [record("phase5", "a", False), record("phase6", "a", True, coordination=[]),
               record("phase5", "b", False), record("phase6", "b", True, coordination=[]),
               record("phase5", "c", True),
               record("phase6", "c", False, coordination=[{"kind": "approved broken",
                                                          "detail": "", "subtask": ""}])]
    data = compare.comparison(records)
    assert data["multi_only"]["m"] == ["a", "b"] and data["single_only"]["m"] == ["c"]
    assert data["aim"]["m"]["status"] == "met" and "a (hard), b (hard)" in data["aim"]["m"]["detail"]
    assert data["table"]["m"]["phase6"]["coordination"] == {"approved broken": 1}


def test_multiagent_run_on_a_goal_prints_the_messages_and_their_log(tmp_path: Path, monkeypatch,
                                                                  capsys) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "test_words.py").write_text(TESTS)
    script = TeamScript(coder=coder_writes(GOOD), reviewer=review("APPROVE"))
    monkeypatch.setattr(multiagent_run, "get_llm", script.backend)
    assert multiagent_run.main([f"--goal={GOAL}", f"--workspace={ws}", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "coder -> reviewer  review_request" in printed and "stop: approved" in printed
    log = Path(printed.split("Messages: ")[-1].split("\n")[0])
    assert log.name.endswith(".messages.jsonl") and log.is_file()
    with pytest.raises(UsageError, match="--task=NAME"):
        multiagent_run.main([])
