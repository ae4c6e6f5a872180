"""The roles: the planner has no tools and one call; the coder cannot run the tests; the reviewer
cannot edit; the verdict reader is forgiving and says in one sentence when it cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest
from team_script import GOAL, TeamScript, act

from shared.multiagent import (
    Coder,
    Reviewer,
    VerdictUnreadable,
    coder_registry,
    make_plan,
    make_replan,
    parse_verdict,
    reviewer_registry,
)
from shared.multiagent.planner import subtasks_of


def test_the_planner_is_one_call_without_tools() -> None:
    script = TeamScript(plans=["1. Read the files\n2. Write words.py with count_words\n"
                               "3. Write test_words.py with tests\n4. Run the tests\n5. Finish"])
    llm = script.backend()
    plan = make_plan(llm, GOAL, "none")
    assert len(llm.calls) == 1 and llm.calls[0]["tools"] is None
    assert llm.calls[0]["response_format"] is None
    assert plan.subtasks == ["Write words.py with count_words", "Write test_words.py with tests"]
    assert "dropped" in plan.note and plan.readable and plan.tokens > 0
    assert GOAL in llm.calls[0]["messages"][-1]["content"]


def test_an_unreadable_plan_becomes_the_whole_goal_and_replans_fall_back() -> None:
    plan = make_plan(TeamScript(plans=["Sure!"]).backend(), GOAL)
    assert plan.subtasks == [GOAL] and not plan.readable
    again = make_replan(TeamScript(plans=["ok"]).backend(), GOAL, [], "Write words.py",
                        3, "count_words('') must be 0\nmore")
    assert again.subtasks == ["Write words.py (the reviewer said: count_words('') must be 0)"]
    assert subtasks_of("1. a b\n2. c d\n3. e f\n4. g h\n5. i j", [GOAL])[0] == [
        "a b", "c d", "e f", "g h"]


def test_the_coder_has_files_and_execution_but_no_tests(tmp_path: Path) -> None:
    names = set(coder_registry(tmp_path).names)
    assert {"write_file", "edit_file", "read_file", "search_files", "run_python",
            "run_shell", "final_answer"} <= names
    assert "run_tests" not in names
    script = TeamScript(coder=[act("run_shell", command="python -m pytest -q"),
                               act("final_answer", answer="done")])
    coder = Coder(script.backend(), tmp_path, max_steps=3)
    result = coder.run("Your task: run the tests", tmp_path / "t.jsonl")
    assert result.observations[0].kind == "refused" and "reviewer" in result.observations[0].text
    assert "run_tests" not in script.requests["coder"][0][0]["content"]


def test_the_reviewer_reads_and_tests_but_cannot_edit(tmp_path: Path) -> None:
    names = set(reviewer_registry(tmp_path).names)
    assert names == {"list_files", "read_file", "search_files", "run_tests", "final_answer"}
    (tmp_path / "words.py").write_text("x = 1\n")
    script = TeamScript(reviewer=[act("write_file", path="words.py", content="x = 2\n"),
                                  act("final_answer", answer="REJECT: x must be 2")])
    reviewer = Reviewer(script.backend(), tmp_path, max_steps=3)
    result = reviewer.run("Review the coder's work on this subtask: x", tmp_path / "t.jsonl")
    assert result.observations[0].kind == "invalid"  # no such tool for the reviewer
    assert (tmp_path / "words.py").read_text() == "x = 1\n"
    assert result.answer == "REJECT: x must be 2"


@pytest.mark.parametrize(("reply", "decision", "feedback"), [
    ("APPROVE", "approve", ""),
    ("Approved: all tests pass.", "approve", "all tests pass."),
    ("REJECT: divide(1, 0) must raise", "reject", "divide(1, 0) must raise"),
    ("Verdict: reject - the file is missing", "reject", "the file is missing"),
    ("I cannot approve this: the loop never ends", "reject",
     "I cannot approve this: the loop never ends"),
    ('{"verdict": "reject", "feedback": "add a test"}', "reject", "add a test"),
    ("LGTM", "approve", ""),
])
def test_verdicts_are_read_forgivingly(reply: str, decision: str, feedback: str) -> None:
    verdict = parse_verdict(reply)
    assert (verdict.decision, verdict.feedback) == (decision, feedback)


@pytest.mark.parametrize("reply", ["looks fine to me", "", "I approve some and reject some"])
def test_an_unreadable_verdict_is_one_sentence(reply: str) -> None:
    with pytest.raises(VerdictUnreadable, match=r"should start with APPROVE or REJECT") as err:
        parse_verdict(reply)
    assert "\n" not in str(err.value)
