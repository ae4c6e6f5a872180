"""Output validation (shared/reply_checks.py): every consumer of a model reply records whether it
was usable, and if not why, in one sentence, in the trajectory."""

from __future__ import annotations

import json
from pathlib import Path

from shared.agent import Agent, ParseError, ToolRegistry, final_answer, parse_json_action
from shared.llm import ChatResult
from shared.llm.scripted import ScriptedBackend
from shared.reply_checks import check_action, check_code, check_plan, check_summary
from shared.tools import workspace_tools
from shared.trajectory import read_trajectory


def registry(tmp_path: Path) -> ToolRegistry:
    return ToolRegistry(workspace_tools(tmp_path) + [final_answer])


# -- the checks -------------------------------------------------------------------------------------
def test_an_action_is_valid_or_says_why_not(tmp_path) -> None:
    tools = registry(tmp_path)
    ok = check_action(parse_json_action('{"name": "list_files", "arguments": {}}'), tools)
    assert ok.valid and ok.outcome == "valid" and ok.fields() == {"valid": True}
    unknown = check_action(parse_json_action('{"name": "browse", "arguments": {}}'), tools)
    assert not unknown.valid and unknown.problem.startswith("there is no tool named 'browse'")
    bad = check_action(parse_json_action('{"name": "read_file", "arguments": {"file": "a"}}'), tools)
    assert not bad.valid and bad.problem.startswith("bad arguments for read_file")
    assert "\n" not in bad.problem and len(bad.problem) <= 200
    prose = check_action(parse_json_action("I will now read the file."), tools)
    assert prose.fields() == {"valid": False, "problem": "the reply could not be read as a tool "
                                                         "call (the reply holds no JSON object)"}
    cut = check_action(ParseError("the JSON object is not complete", truncated=True))
    assert not cut.valid and "cut off by the token limit" in cut.problem
    repaired = check_action(parse_json_action("{'name': 'list_files', 'arguments': {},}"), tools)
    assert repaired.valid and repaired.note.startswith("read from ")


def test_a_plan_needs_three_readable_steps() -> None:
    assert check_plan("1. a b\n2. c d\n3. e f", ["a b", "c d", "e f"]).valid
    assert check_plan("", []).problem == "the planner's reply was empty"
    one = check_plan("Sure, I will do it.", ["Sure, I will do it."])
    assert not one.valid and one.problem == "only 1 step could be read from the plan (3 to 5 wanted)"
    many = check_plan("x", [f"step {i}" for i in range(7)])
    assert many.valid and "7 steps read" in many.note
    assert check_plan("1. a\n2. b", ["a", "b"], minimum=2, maximum=4).valid  # a replan


def test_code_must_be_there_and_parse() -> None:
    assert check_code("```python\nprint(1)\n```", "print(1)").valid
    assert check_code("", None).problem == "the reply was empty"
    assert check_code("I cannot do that.", None).problem == "the reply holds no Python code"
    broken = check_code("```python\ndef f(:\n```", "def f(:")
    assert not broken.valid and broken.problem.startswith("the code does not parse (line 1:")
    cut = check_code("```python\nx = (1,\n", "x = (1,", truncated=True)
    assert "cut off by the token limit" in cut.problem


def test_a_summary_is_text_not_a_tool_call() -> None:
    assert check_summary("Task: fix a.py\nDone: read it\nPlan: edit\nFacts: line 3").valid
    assert check_summary("  ").problem == "the summary came back empty"
    call = check_summary('{"think": "go on", "name": "read_file", "arguments": {"path": "a"}}')
    assert call.problem == "the model wrote a tool call instead of a summary"
    assert check_summary('```json\n{"name": "read_file"}\n```').problem.startswith("the model wrote")
    loose = check_summary("I read a.py and found the bug on line 3.")
    assert loose.valid and "headings" in loose.note


# -- where replies are consumed -------------------------------------------------------------------------
def test_the_agent_records_why_an_action_was_invalid(tmp_path) -> None:
    llm = ScriptedBackend(['{"think": "look", "name": "browse", "arguments": {"url": "x"}}',
                           "no json here",
                           '{"name": "final_answer", "arguments": {"answer": "done"}}'])
    Agent(llm, registry(tmp_path), "json", max_steps=3).run("t", tmp_path / "t.jsonl")
    events = read_trajectory(tmp_path / "t.jsonl")
    actions = [e for e in events if e["kind"] == "action"]
    assert actions[0]["valid"] is False and actions[0]["problem"].startswith("there is no tool")
    assert actions[1]["valid"] is True and "problem" not in actions[1]
    parse_error = next(e for e in events if e["kind"] == "parse_error")
    assert parse_error["reason"] == "the reply holds no JSON object"


def test_the_phase2_loop_records_whether_the_code_is_usable(tmp_path) -> None:
    from shared.code_loop import solve

    llm = ScriptedBackend(["Sorry, no code.", "```python\nprint(1\n```", "```python\nprint(1)\n```"])
    solve("print 1", llm, trajectory_path=tmp_path / "t.jsonl", workspace_root=tmp_path / "ws",
          max_attempts=3)
    codes = [e for e in read_trajectory(tmp_path / "t.jsonl") if e["kind"] == "code"]
    assert codes[0]["valid"] is False and codes[0]["problem"] == "the reply holds no Python code"
    assert codes[1]["valid"] is False and "does not parse" in codes[1]["problem"]
    assert codes[2]["valid"] is True


def test_the_plan_and_a_replan_record_their_check(tmp_path) -> None:
    from shared.planning.planning import fit_rest
    from shared.planning.planning_agent import PlanningAgent

    (tmp_path / "ws").mkdir()
    llm = ScriptedBackend(["I will do my best.",
                           '{"name": "final_answer", "arguments": {"answer": "x"}}'] * 3)
    agent = PlanningAgent(llm, tmp_path / "ws", max_steps=1)
    agent.run("Create a.py with f().", tmp_path / "t.jsonl")
    plan = next(e for e in read_trajectory(tmp_path / "t.jsonl") if e["kind"] == "plan")
    assert plan["valid"] is False and plan["problem"].startswith("only 1 step could be read")
    assert plan["note"] == "the plan could not be read: the default plan"
    # the rest of a replan: one line is no plan; a test step and a finish are added
    assert fit_rest(["Fix it"])[0].startswith("Read the failures")
    assert fit_rest(["Add tests", "Run the tests", "Add tests"]) == [
        "Add tests", "Run the tests", "Finish with final_answer"]  # measured: the 0.5B repeats
    assert fit_rest(["Edit a.py", "Edit b.py"]) == [
        "Edit a.py", "Edit b.py", "Run the tests with run_tests and fix what fails",
        "Finish with final_answer"]


def test_a_summary_that_is_a_tool_call_is_not_kept(tmp_path) -> None:
    from shared.context import ContextAgent, ContextBudget

    call = '{"think": "go on", "name": "list_files", "arguments": {"path": "."}}'
    llm = ScriptedBackend([call])
    agent = ContextAgent(llm, registry(tmp_path), ContextBudget(8192, 700), "summarisation",
                         workspace=tmp_path)
    agent.messages = agent.initial_messages("t")
    from shared.trajectory import Trajectory

    with Trajectory(tmp_path / "t.jsonl") as agent.log:
        text = agent.summarise([{"role": "user", "content": "summarise"}])
    assert text.startswith("(no summary: the model wrote a tool call instead of a summary)")
    check = next(e for e in read_trajectory(tmp_path / "t.jsonl") if e["kind"] == "summary_check")
    assert check["valid"] is False


def test_best_of_does_not_run_the_tests_on_code_that_does_not_parse(tmp_path) -> None:
    from shared.planning.self_eval import best_of_n
    from shared.tools.test_runner import TestSummary

    target = tmp_path / "a.py"
    target.write_text("def f():\n    return 0\n")
    judged = []

    def judge() -> TestSummary:
        judged.append(target.read_text())
        return TestSummary(passed=0, failed=1, returncode=1)

    llm = ScriptedBackend(["```python\ndef f(:\n```", "```python\ndef f():\n    return 1\n```"])
    outcome = best_of_n(llm, [{"role": "user", "content": "x"}], 2, target, judge)
    assert outcome.candidates[1].summary is None
    assert outcome.candidates[1].note.startswith("the code does not parse")
    assert len(judged) == 2  # the file as it was, and sample 2; never sample 1
    assert target.read_text() == "def f():\n    return 0\n"  # ties keep #0
    assert json.dumps(outcome.report())  # the report still renders


def test_a_truncated_reply_is_refused_not_completed() -> None:
    from shared.agent import get_format

    text = '{"think": "write", "name": "write_file", "arguments": {"path": "a.py", "content": "x = 1'
    cut = get_format("json").parse(ChatResult(content=text, finish_reason="length"))
    assert isinstance(cut, ParseError) and cut.truncated
    assert "cut off" in check_action(cut).problem
