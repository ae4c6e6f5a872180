"""The planning agent with a scripted model: the plan in the prompt and the trajectory, replans,
the refused finish, the stopping conditions, best-of-n, and each technique switched off."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripted_agent import GOOD, TESTS, UNSAFE, act, scripted

from phase5_planning.tasks import CALCULATOR
from shared.context import ContextResult
from shared.planning.planning_agent import (
    NO_PROGRESS_STEPS,
    PlanningAgent,
    PlanningResult,
    Techniques,
    planning_registry,
    run_planning_agent,
)
from shared.planning.self_eval import EXAMPLES_FILE
from shared.trajectory import read_trajectory

TASK = CALCULATOR.prompt
WRITE_CODE = act("write_file", path="calculator.py", content=GOOD)
WRITE_TESTS = act("write_file", path="test_calculator.py", content=TESTS)
FINISH = act("final_answer", answer="calculator.py and its tests; all pass")


def events(result: PlanningResult, kind: str) -> list[dict]:
    return [e for e in read_trajectory(result.trajectory) if e["kind"] == kind]


def test_the_calculator_flow_end_to_end(tmp_path: Path) -> None:
    llm = scripted([WRITE_CODE, WRITE_TESTS, act("run_tests"), FINISH])
    result = run_planning_agent(llm, TASK, tmp_path, trajectory_path=tmp_path / "t.jsonl")
    assert isinstance(result, PlanningResult) and isinstance(result, ContextResult)
    assert result.finished and result.verified and result.stop_reason == "final_answer"
    assert result.steps == 4 and result.test_runs == 1 and result.replans == 0
    assert result.plan_steps == ["Write calculator.py", "Write test_calculator.py",
                                 "Run the tests", "Finish"] and result.plan_done == 4
    assert result.last_tests["ok"] and result.last_tests["passed"] == 5
    assert result.prompt_tokens > 0 and result.techniques["best_of"] == 3
    grade = CALCULATOR.grade(tmp_path)
    assert grade.passed and grade.mutants_caught == {"add is wrong": True,
                                                     "divide(x, 0) returns 0": True}
    # the plan is in the task message, its state after every observation, and in the trajectory
    first = llm.calls[1]["messages"]
    assert "Your plan:\n1. Write calculator.py" in first[-1]["content"]
    assert "Working with a plan and tests" in first[0]["content"]
    assert "[plan: step 2 of 4 now: Write test_calculator.py (call write_file)]" in llm.calls[2]["messages"][-1]["content"]
    plan_events = events(result, "plan")
    assert plan_events[0]["steps"][0] == "Write calculator.py" and plan_events[0]["current"] == 1
    assert [e["completed"] for e in events(result, "plan_step")] == [1, 2, 3, 4]
    assert events(result, "tests")[0]["passed"] == 5
    assert [r.kind for r in result.requests][:2] == ["plan", "action"]


def test_a_finish_before_the_tests_pass_is_refused_with_the_failures(tmp_path: Path) -> None:
    unsafe = act("write_file", path="calculator.py", content=UNSAFE)
    fix = act("edit_file", path="calculator.py", old="    return a / b",
              new="    if b == 0:\n        raise ValueError('no')\n    return a / b")
    llm = scripted([unsafe, WRITE_TESTS, FINISH, fix, FINISH])
    result = run_planning_agent(llm, TASK, tmp_path, trajectory_path=tmp_path / "t.jsonl")
    assert result.finished and result.verified and result.refused_finishes == 1
    refusal = llm.calls[4]["messages"][-1]["content"]
    assert "refused: final_answer is refused: the tests do not pass yet" in refusal
    assert "test_divide_by_zero" in refusal and "ZeroDivisionError" in refusal
    assert result.test_runs == 2, "the agent ran the tests itself at each finish"
    assert events(result, "finish_refused")[0]["refused"] == 1


def test_a_finish_without_any_tests_is_refused_once_then_a_run_verifies_it(tmp_path: Path) -> None:
    run = act("run_python", code="from calculator import divide\nprint(divide(6, 3))")
    llm = scripted([WRITE_CODE, FINISH, run, FINISH])
    result = run_planning_agent(llm, "Create calculator.py with add, subtract, multiply, divide.",
                                tmp_path, trajectory_path=tmp_path / "t.jsonl")
    assert "there are no tests yet" in llm.calls[3]["messages"][-1]["content"]
    assert result.finished and result.verified and result.refused_finishes == 1


def test_too_many_refused_finishes_stop_the_run_as_unverified(tmp_path: Path) -> None:
    llm = scripted([act("write_file", path="calculator.py", content=UNSAFE), WRITE_TESTS,
                    FINISH, FINISH, FINISH])
    result = run_planning_agent(llm, TASK, tmp_path, trajectory_path=tmp_path / "t.jsonl",
                                techniques=Techniques(best_of=1))
    assert result.stop_reason == "unverified" and not result.finished and not result.verified
    assert result.refused_finishes == 3 and result.steps == 5


def test_without_verified_finish_the_first_finish_is_taken(tmp_path: Path) -> None:
    llm = scripted([act("write_file", path="calculator.py", content=UNSAFE), FINISH])
    result = run_planning_agent(llm, TASK, tmp_path, trajectory_path=tmp_path / "t.jsonl",
                                techniques=Techniques(verified_finish=False))
    assert result.finished and not result.verified and result.refused_finishes == 0


def test_no_progress_stops_the_run(tmp_path: Path) -> None:
    reads = [act("read_file", path="calculator.py", start=i) for i in range(1, 20)]
    llm = scripted([WRITE_CODE, *reads])
    result = run_planning_agent(llm, TASK, tmp_path, trajectory_path=tmp_path / "t.jsonl")
    assert result.stop_reason == "no_progress"
    assert result.steps == 1 + NO_PROGRESS_STEPS
    assert events(result, "stopped")[0]["reason"].startswith(f"{NO_PROGRESS_STEPS} steps")


def test_writing_back_and_forth_is_a_loop(tmp_path: Path) -> None:
    other = act("write_file", path="calculator.py", content=UNSAFE)
    llm = scripted([WRITE_CODE, other, WRITE_CODE, other, WRITE_CODE, other])
    result = run_planning_agent(llm, TASK, tmp_path, trajectory_path=tmp_path / "t.jsonl")
    assert result.stop_reason == "loop" and result.steps == 5


def test_the_step_limit_still_holds(tmp_path: Path) -> None:
    llm = scripted([act("list_files", path="."), WRITE_CODE, act("read_file", path="calculator.py")])
    result = run_planning_agent(llm, TASK, tmp_path, max_steps=3, trajectory_path=tmp_path / "t.jsonl")
    assert result.stop_reason == "step_limit" and result.steps == 3


def test_a_step_that_fails_twice_makes_the_agent_replan(tmp_path: Path) -> None:
    wrong_fix = act("edit_file", path="calculator.py", old="    return a * b", new="    return b * a")
    llm = scripted([act("write_file", path="calculator.py", content=UNSAFE), WRITE_TESTS,
                    act("run_tests"), wrong_fix, act("run_tests"), act("list_files", path=".")],
                   replans=["1. Handle b == 0 in divide\n2. Run the tests\n3. Finish"])
    result = run_planning_agent(llm, TASK, tmp_path, max_steps=6,
                                techniques=Techniques(best_of=1),
                                trajectory_path=tmp_path / "t.jsonl")
    assert result.replans == 1
    replan = events(result, "replan")[0]
    assert "run_tests failed 2 times" in replan["reason"]
    assert replan["steps"] == ["Write calculator.py", "Write test_calculator.py",
                               "Handle b == 0 in divide", "Run the tests", "Finish"]
    assert "The plan was revised" in llm.calls[-1]["messages"][-1]["content"]
    assert "Step 3 (Run the tests) went wrong" in llm.calls[-2]["messages"][-1]["content"]


def test_an_unreadable_replan_falls_back_to_fixing_and_testing(tmp_path: Path) -> None:
    missing = act("read_file", path="calculator.py")
    llm = scripted([missing, act("list_files", path=".")], replans=["no idea"])
    result = run_planning_agent(llm, TASK, tmp_path, max_steps=2, trajectory_path=tmp_path / "t.jsonl")
    replan = events(result, "replan")[0]
    assert replan["reason"].startswith("calculator.py does not exist")
    assert replan["steps"] == ["Read the failures above and fix the code with edit_file",
                               "Run the tests with run_tests", "Finish with final_answer"]


def test_failing_test_runs_lead_to_best_of_n_and_its_choice_is_kept(tmp_path: Path) -> None:
    samples = ["```python\n" + UNSAFE + "```", "```python\n" + GOOD + "```"]
    llm = scripted([act("write_file", path="calculator.py", content=UNSAFE), WRITE_TESTS,
                    act("run_tests"), act("run_tests", path="test_calculator.py"), FINISH],
                   samples=samples)
    result = run_planning_agent(llm, TASK, tmp_path, trajectory_path=tmp_path / "t.jsonl")
    assert result.best_of_rounds == 1 and result.finished and result.verified
    best = events(result, "best_of")[0]
    assert best["kept"] == 2 and best["target"] == "calculator.py"
    assert [s["passed"] for s in best["scores"]] == [4, 4, 5]
    assert "Kept sample #2" in llm.calls[-1]["messages"][-1]["content"]
    assert "raise ValueError" in (tmp_path / "calculator.py").read_text()
    sampling = [c for c in llm.calls if c["messages"][0]["content"].startswith("You write Python")]
    assert len(sampling) == 2 and all(c["options"]["temperature"] > 0 for c in sampling)


def test_with_every_technique_off_it_is_the_phase4_agent_with_run_tests(tmp_path: Path) -> None:
    llm = scripted([act("write_file", path="calculator.py", content=UNSAFE), FINISH])
    result = run_planning_agent(llm, TASK, tmp_path, trajectory_path=tmp_path / "t.jsonl",
                                techniques=Techniques(False, False, 1, False))
    assert result.finished and result.plan_steps == [] and result.steps == 2
    assert len(llm.calls) == 2, "no plan request"
    system = llm.calls[0]["messages"][0]["content"]
    assert "Follow your plan" not in system and "accepted only once" not in system
    assert "run_tests" in system


def test_docstring_examples_become_tests_before_the_first_step(tmp_path: Path) -> None:
    (tmp_path / "mathx.py").write_text('def double(x):\n    """>>> double(2)\n    4\n    """\n')
    llm = scripted([act("edit_file", path="mathx.py", old='    """\n', new='    """\n    return x * 2\n'),
                    act("run_tests"), FINISH], plan="1. Read mathx.py\n2. Write double\n3. Finish")
    result = run_planning_agent(llm, "Write double(x) in mathx.py.", tmp_path,
                                trajectory_path=tmp_path / "t.jsonl")
    assert (tmp_path / EXAMPLES_FILE).is_file() and result.example_tests == 1
    assert f"1 tests in {EXAMPLES_FILE}" in llm.calls[1]["messages"][-1]["content"]
    assert result.finished and result.verified and result.last_tests["passed"] == 1


def test_pytest_through_the_shell_becomes_run_tests(tmp_path: Path) -> None:
    llm = scripted([WRITE_CODE, WRITE_TESTS, act("run_shell", command="python -m pytest -q"), FINISH])
    result = run_planning_agent(llm, TASK, tmp_path, trajectory_path=tmp_path / "t.jsonl")
    assert result.test_runs == 1 and events(result, "redirected")[0]["to"] == "run_tests"
    assert "All 5 tests passed" in llm.calls[-1]["messages"][-1]["content"]


def test_the_registry_is_phase4_s_with_run_tests_before_final_answer(tmp_path: Path) -> None:
    names = planning_registry(tmp_path).names
    assert names[-2:] == ["run_tests", "final_answer"]
    assert {"search_files", "read_file", "write_file", "edit_file", "run_shell"} <= set(names)


def test_the_agent_is_a_context_agent_subclass() -> None:
    from shared.context import ContextAgent

    assert issubclass(PlanningAgent, ContextAgent)
    assert PlanningAgent.trajectory_kind == "phase5"


@pytest.mark.parametrize("name", ["all", "no_plan", "no_self_tests", "no_best_of",
                                  "no_verified_finish", "none"])
def test_every_ablation_runs_the_calculator(tmp_path: Path, name: str) -> None:
    from shared.planning.techniques import ABLATIONS

    llm = scripted([WRITE_CODE, WRITE_TESTS, act("run_tests"), FINISH])
    result = run_planning_agent(llm, TASK, tmp_path, techniques=ABLATIONS[name],
                                trajectory_path=tmp_path / "t.jsonl")
    assert result.finished and CALCULATOR.grade(tmp_path).passed
    assert ABLATIONS[name].name == name


def test_after_going_off_plan_the_next_reply_may_only_use_the_current_step_s_tools(tmp_path: Path) -> None:
    llm = scripted([WRITE_CODE, act("run_tests"), WRITE_TESTS, act("run_tests", path="test_calculator.py"),
                    FINISH])
    result = run_planning_agent(llm, TASK, tmp_path, trajectory_path=tmp_path / "t.jsonl")
    assert result.finished and result.verified
    focus = events(result, "focus")
    assert [(e["step"], e["tools"]) for e in focus] == [(3, ["write_file", "edit_file"])]
    branches = llm.calls[3]["response_format"]["schema"]["anyOf"]
    assert [b["properties"]["name"]["const"] for b in branches] == ["write_file", "edit_file"]
    assert len(llm.calls[4]["response_format"]["schema"]["anyOf"]) > 5, "one reply only"
    assert "(call write_file)" in llm.calls[3]["messages"][-1]["content"]


def test_a_repeated_call_also_focuses_the_next_reply(tmp_path: Path) -> None:
    llm = scripted([WRITE_CODE, act("list_files", path="."), act("list_files", path="."),
                    WRITE_TESTS, FINISH])
    result = run_planning_agent(llm, TASK, tmp_path, trajectory_path=tmp_path / "t.jsonl")
    assert result.finished and [e["step"] for e in events(result, "focus")] == [4]
