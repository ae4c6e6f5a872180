"""Coordination failures detected on crafted message logs, the timeline drawn from a log, and the
phase 6 generation run through the benchmark harness on stand-in tasks."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from shared.bench.harness import BenchConfig, run_bench  # noqa: E402
from shared.multiagent import (  # noqa: E402
    MessageLog,
    coordination_failures,
    count_kinds,
    plot_timeline,
    read_messages,
    timeline_text,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "phase5"))
from benchmark_standins import make_tasks, scripted_factory, suite_for  # noqa: E402

SUBTASK = "Write words.py with count_words"


def log_of(tmp_path: Path, *messages: tuple) -> list[dict]:
    """Write (from, to, type, content, extra) messages through a MessageLog and read them back."""
    log = MessageLog(tmp_path / "run.messages.jsonl")
    for sender, receiver, kind, content, extra in messages:
        log.send(sender, receiver, kind, content, tokens=10, **extra)
    return read_messages(log.path)


def attempt(n: int, files: list[str], decision: str, feedback: str, subtask: str = SUBTASK,
            source: str = "reviewer") -> list[tuple]:
    return [("orchestrator", "coder", "subtask", subtask, {"subtask": subtask, "attempt": n}),
            ("coder", "reviewer", "review_request", "review it",
             {"subtask": subtask, "attempt": n, "files": files}),
            ("reviewer", "coder" if decision == "reject" else "orchestrator", "verdict",
             f"{decision.upper()}: {feedback}",
             {"subtask": subtask, "attempt": n, "decision": decision, "source": source})]


def result(stop: str) -> tuple:
    return ("orchestrator", "user", "result", stop, {"stop_reason": stop})


def test_the_same_rejection_twice_is_a_ping_pong(tmp_path: Path) -> None:
    messages = log_of(tmp_path, *attempt(1, ["words.py"], "reject", "2 tests fail: empty text"),
                      *attempt(2, ["words.py"], "reject", "3 tests fail: empty text"),
                      result("rejected"))
    found = coordination_failures(messages, passed=False)
    assert [(f.kind, f.detail) for f in found] == [
        ("ping-pong", "attempt 2 was rejected as the one before")]
    assert found[0].subtask == SUBTASK


def test_a_ping_pong_is_counted_once_per_subtask_even_across_a_replan(tmp_path: Path) -> None:
    messages = log_of(tmp_path, *attempt(1, ["words.py"], "reject", "empty text"),
                      *attempt(2, [], "reject", "empty text"),
                      ("orchestrator", "planner", "replan", "again", {"subtask": SUBTASK}),
                      *attempt(1, [], "reject", "empty text"), result("rejected"))
    found = coordination_failures(messages, passed=False)
    assert [f.kind for f in found] == ["ping-pong"]  # no lost context: it was rejected before
    assert found[0].detail.count("changed no file") == 2
    assert found[0].detail.count("rejected as the one before") == 2


def test_a_retry_that_changes_nothing_is_a_ping_pong_and_different_feedback_is_not(
        tmp_path: Path) -> None:
    messages = log_of(tmp_path, *attempt(1, ["words.py"], "reject", "the name is wrong"),
                      *attempt(2, [], "reject", "now the loop never ends"), result("rejected"))
    found = coordination_failures(messages, passed=False)
    assert [(f.kind, f.detail) for f in found] == [
        ("ping-pong", "attempt 2 changed no file after a rejection")]


def test_an_approval_of_code_that_fails_the_hidden_tests_is_approved_broken(tmp_path: Path) -> None:
    messages = log_of(tmp_path, *attempt(1, ["words.py"], "approve", ""), result("approved"))
    assert count_kinds(coordination_failures(messages, passed=False)) == {"approved broken": 1}
    assert coordination_failures(messages, passed=True) == []
    assert coordination_failures(messages, passed=None) == []  # not graded: cannot tell


def test_an_overruled_approval_is_reported(tmp_path: Path) -> None:
    messages = log_of(tmp_path, *attempt(1, ["words.py"], "reject", "1 failed", source="overruled"),
                      *attempt(2, ["words.py"], "approve", ""), result("approved"))
    assert count_kinds(coordination_failures(messages, passed=True)) == {"overruled approval": 1}


def test_work_on_other_files_or_none_is_lost_context(tmp_path: Path) -> None:
    messages = log_of(tmp_path, *attempt(1, ["other.py"], "reject", "words.py is missing"),
                      *attempt(2, ["words.py"], "approve", ""),
                      *attempt(1, [], "reject", "nothing was done", subtask="Fix the bug"),
                      result("rejected"))
    found = [f for f in coordination_failures(messages, passed=False) if f.kind == "lost context"]
    assert [f.detail for f in found] == [
        "attempt 1: the subtask names words.py; the coder changed other.py",
        "attempt 1: the coder changed no file"]


def test_the_timeline_has_a_lane_per_agent_and_an_arrow_per_message(tmp_path: Path) -> None:
    messages = log_of(tmp_path, ("orchestrator", "planner", "goal", "the goal", {}),
                      ("planner", "orchestrator", "plan", "1. " + SUBTASK, {}),
                      *attempt(1, ["words.py"], "approve", ""), result("approved"))
    fig = plot_timeline(messages)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["user", "orchestrator", "planner",
                                                            "coder", "reviewer"]
    arrows = [c for c in ax.get_children() if type(c).__name__ == "Annotation"]
    assert len(arrows) == len(messages) == 6
    assert "coder -> reviewer  review_request" in timeline_text(messages)


def test_the_phase6_generation_runs_through_the_harness(tmp_path: Path) -> None:
    suite = suite_for(make_tasks(tmp_path))
    records = run_bench(tmp_path / "run", BenchConfig(["phase5", "phase6"], ["add", "report"]),
                        suite=suite, make_llm=scripted_factory(), progress=False)
    team = {r["task"]: r for r in records if r["generation"] == "phase6"}
    assert len(team) == 2 and all(r["passed"] and r["status"] == "done" for r in team.values())
    for r in team.values():
        assert r["finished"] and r["stop_reason"] == "approved" and r["failure"] == ""
        assert r["steps"] == 1 + 2 + 2 and r["well_formed"] == r["replies"] == 5
        assert r["coordination"] == []
        log = tmp_path / "run" / r["folder"] / "trajectory.messages.jsonl"
        assert [m["type"] for m in read_messages(log)][-1] == "result"
    single = [r for r in records if r["generation"] == "phase5"]
    assert all("coordination" not in r for r in single)  # no message log: a single agent
