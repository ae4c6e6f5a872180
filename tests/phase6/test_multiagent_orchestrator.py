"""The orchestrator with a scripted model: routing, the context each agent gets, retries with
the reviewer's feedback, replanning, the approval check, budgets, and the message log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from team_script import BAD, GOAL, GOOD, TESTS, TeamScript, act, coder_writes, review

from shared.multiagent import Orchestrator, read_messages, run_team
from shared.multiagent.message_log import FIELDS


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "test_words.py").write_text(TESTS)
    return workspace


def first_user_message(request: list[dict]) -> str:
    return request[-1]["content"]


def test_a_subtask_is_coded_reviewed_and_approved(ws: Path) -> None:
    script = TeamScript(coder=coder_writes(GOOD), reviewer=review("APPROVE: both tests pass"))
    result = run_team(script.backend(), GOAL, ws, trajectory_path=ws.parent / "t.jsonl")
    assert result.finished and result.stop_reason == "approved"
    assert result.done == ["Write words.py with count_words"] and result.subtasks == []
    assert result.steps == 1 + 2 + 2 and result.valid_actions == 5
    assert result.coder_runs == result.reviews == result.approvals == 1
    assert set(result.tokens_by_role) == {"planner", "coder", "reviewer"}
    assert result.prompt_tokens + result.completion_tokens == sum(result.tokens_by_role.values())
    types = [(m["from"], m["to"], m["type"]) for m in read_messages(result.message_log)]
    assert types == [("orchestrator", "planner", "goal"), ("planner", "orchestrator", "plan"),
                     ("orchestrator", "coder", "subtask"), ("coder", "reviewer", "review_request"),
                     ("reviewer", "orchestrator", "verdict"), ("orchestrator", "user", "result")]
    roles = [json.loads(line)["meta"].get("role") for line in
             (ws.parent / "t.jsonl").read_text().splitlines() if '"kind": "start"' in line]
    assert roles == ["planner", "coder", "reviewer"]  # one trajectory, every agent's run in it


def test_the_coder_is_retried_with_the_feedback_and_gets_only_what_it_needs(ws: Path) -> None:
    (ws / "notes.txt").write_text("SECRET_ONLY_THE_REVIEWER_READ\n")
    script = TeamScript(
        coder=[act("write_file", path="words.py", content="# CODE_THE_CODER_WROTE\n" + BAD),
               act("final_answer", answer="FIRST_ATTEMPT_SUMMARY"), *coder_writes(GOOD)],
        reviewer=[act("read_file", path="notes.txt"),
                  act("final_answer", answer="REJECT: count_words('') gives 1, FIX_SPLIT"),
                  *review("APPROVE")])
    result = run_team(script.backend(), GOAL, ws, trajectory_path=ws.parent / "t.jsonl")
    assert result.finished and result.coder_runs == 2 and result.rejections == 1
    first, second = (first_user_message(r) for r in script.requests["coder"] if
                     r[-1]["role"] == "user" and r[-1]["content"].startswith("Your subtask"))
    assert "Write words.py with count_words" in second and GOAL in second
    assert "FIX_SPLIT" in second and "FIX_SPLIT" not in first
    second_run = script.requests["coder"][2]  # the first request of the second attempt
    everything = json.dumps(second_run)
    assert "SECRET_ONLY_THE_REVIEWER_READ" not in everything   # the reviewer's reading
    assert "FIRST_ATTEMPT_SUMMARY" not in everything           # the coder's own earlier attempt
    review_task = first_user_message(script.requests["reviewer"][0])
    assert "FIRST_ATTEMPT_SUMMARY" in review_task and "Files it changed: words.py" in review_task
    assert "CODE_THE_CODER_WROTE" not in json.dumps(script.requests["reviewer"][0])  # its calls
    verdicts = [m for m in read_messages(result.message_log) if m["type"] == "verdict"]
    assert [(v["to"], v["decision"]) for v in verdicts] == [("coder", "reject"),
                                                           ("orchestrator", "approve")]


def test_repeated_rejection_leads_to_a_replan_then_to_giving_up(ws: Path) -> None:
    script = TeamScript(
        plans=["1. Write words.py with count_words", "1. Write words.py again, simpler"],
        coder=coder_writes(BAD) + coder_writes(BAD + "\n") + coder_writes(BAD + "\n\n")
        + coder_writes(BAD + "\n\n\n"),
        reviewer=[act("final_answer", answer="REJECT: empty text must give 0")] * 4)
    result = run_team(script.backend(), GOAL, ws, max_attempts=2, max_replans=1,
                      trajectory_path=ws.parent / "t.jsonl")
    assert result.stop_reason == "rejected" and not result.finished
    assert result.replans == 1 and result.coder_runs == 4 and result.rejections == 4
    assert result.subtasks == ["Write words.py again, simpler"] and result.done == []
    replan = script.requests["planner"][1][-1]["content"]
    assert "rejected 2 times" in replan and "empty text must give 0" in replan
    kinds = [m["type"] for m in read_messages(result.message_log)]
    assert kinds.count("replan") == 1 and kinds.count("plan") == 2


def test_an_approval_the_tests_contradict_is_overruled(ws: Path) -> None:
    script = TeamScript(coder=coder_writes(BAD) + coder_writes(GOOD),
                        reviewer=[act("final_answer", answer="APPROVE"),
                                  act("final_answer", answer="APPROVE")])
    result = run_team(script.backend(), GOAL, ws, trajectory_path=ws.parent / "t.jsonl")
    assert result.finished and result.overruled == 1 and result.test_checks == 2
    first = next(m for m in read_messages(result.message_log) if m["type"] == "verdict")
    assert first["decision"] == "reject" and first["source"] == "overruled"
    assert "test_empty" in first["content"]                 # the failures are the feedback
    assert "test_empty" in script.requests["coder"][2][-1]["content"]


def test_an_unreadable_verdict_is_decided_by_the_tests(ws: Path) -> None:
    script = TeamScript(coder=coder_writes(GOOD), reviewer=review("hmm, interesting"))
    result = run_team(script.backend(), GOAL, ws, trajectory_path=ws.parent / "t.jsonl")
    verdict = next(m for m in read_messages(result.message_log) if m["type"] == "verdict")
    assert result.finished and verdict["source"] == "tests" and result.test_checks == 0
    assert "holds no verdict" in verdict["note"]


def test_the_run_always_ends_within_its_step_budget(ws: Path) -> None:
    def busy(messages: list[dict]) -> str:
        return act("list_files", path=".")  # never a final answer

    script = TeamScript(coder=[busy] * 50, reviewer=[busy] * 50)
    result = run_team(script.backend(), GOAL, ws, max_steps=12,
                      trajectory_path=ws.parent / "t.jsonl")
    assert result.stop_reason == "step_limit" and result.steps <= 12
    assert result.message_log is not None and read_messages(result.message_log)[-1]["type"] == "result"

    timed = Orchestrator(TeamScript().backend(), ws, time_limit_s=0.0)
    result = timed.run(GOAL, ws.parent / "t2.jsonl")
    assert result.stop_reason == "time_limit" and result.steps == 1  # the plan only


def test_the_message_log_is_json_lines_with_every_field(ws: Path) -> None:
    script = TeamScript(coder=coder_writes(GOOD), reviewer=review("APPROVE"))
    result = run_team(script.backend(), GOAL, ws, trajectory_path=ws.parent / "run.jsonl")
    assert result.message_log == ws.parent / "run.messages.jsonl"
    lines = result.message_log.read_text().splitlines()
    messages = [json.loads(line) for line in lines]
    assert len(messages) == 6
    for m in messages:
        assert set(FIELDS) <= set(m) and isinstance(m["tokens"], int) and m["at"]
    times = [m["time"] for m in messages]
    assert times == sorted(times)
    assert messages[3]["tokens"] > 0 and messages[3]["files"] == ["words.py"]
    with open(result.message_log, "a") as handle:
        handle.write('{"from": "coder", "to"')  # a torn line from a killed run
    assert len(read_messages(result.message_log)) == 6


def test_the_time_limit_stops_a_coder_inside_its_turn(ws: Path) -> None:
    team = Orchestrator(TeamScript().backend(), ws)

    def slow(messages: list[dict]) -> str:
        if len(script.requests["coder"]) == 2:
            team.coder.deadline = 0.0  # as if this reply had taken the rest of the time
        return act("list_files", path=".")

    script = TeamScript(coder=[slow] * 10)
    team.llm = team.coder.llm = team.reviewer.llm = script.backend()
    result = team.run(GOAL, ws.parent / "t.jsonl")
    assert result.stop_reason == "time_limit"
    assert len(script.requests["coder"]) == 2 and script.requests["reviewer"] == []
    events = [json.loads(line) for line in (ws.parent / "t.jsonl").read_text().splitlines()]
    assert any(e.get("kind") == "stopped" and "time limit" in e.get("reason", "") for e in events)
