"""The prompt regression suite: recorded replies of the real model replayed through today's parsers,
and the prompts of every generation compared with their golden copies
(shared/bench/prompt_regression.py). A failure names the case, the difference and the command that
re-records it when the change was deliberate. `pytest -m live` adds a few prompts sent to the
embedded model, whose replies must parse into a valid action, plan or program."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from shared.bench import prompt_regression as pr

CASES = pr.load_cases()
PROMPTS = pr.check_prompts()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_a_recorded_reply_parses_as_recorded(case) -> None:
    ok, line = pr.check_case(case)
    assert ok, line


@pytest.mark.parametrize("name,unchanged,diff", PROMPTS, ids=[p[0] for p in PROMPTS])
def test_a_prompt_is_as_recorded(name, unchanged, diff) -> None:
    assert unchanged, f"the prompt {name} changed; if on purpose: {pr.UPDATE_PROMPTS}\n{diff}"


def test_the_recorded_replies_are_real_varied_and_small() -> None:
    assert 60 <= len(CASES) <= 200
    assert pr.REPLIES.stat().st_size < 400_000
    consumers = Counter(c["consumer"] for c in CASES)
    for needed in ("action:json", "action:tags", "action:constrained", "plan", "replan", "code",
                   "summary", "run:phase3"):
        assert consumers[needed], f"no recorded case for {needed}"
    real = [c for c in CASES if not c.get("derived_from")]
    assert len(real) >= len(CASES) / 2  # derived: a real reply cut, or read by the other format
    ids = {c["id"] for c in CASES}
    assert all(c["derived_from"] in ids for c in CASES if c.get("derived_from"))
    for case in CASES:
        assert case.get("source") and case.get("model"), case["id"]
        assert set(case) >= {"id", "consumer", "expected"}
    outcomes = Counter(c["expected"].get("outcome") for c in CASES)
    assert outcomes["valid"] and outcomes["malformed"], outcomes
    # the known-hard shapes are there: cut off, prose around the call, fenced, repaired
    assert any(c.get("finish_reason") == "length" for c in CASES)
    sources = {c["expected"].get("source", "") for c in CASES}
    assert any("balanced" in s for s in sources) and any("repaired" in s for s in sources)
    assert len({c["id"] for c in CASES}) == len(CASES)


def test_the_whole_suite_passes_and_says_so_in_one_line() -> None:
    passed, lines = pr.run_regression_suite()
    assert passed, "\n".join(lines)
    assert lines[-1].startswith("prompt regression: ")
    assert f"{len(CASES)}/{len(CASES)} recorded replies" in lines[-1]


def test_a_parser_change_fails_the_case_with_the_difference(monkeypatch) -> None:
    from shared.planning import planning

    monkeypatch.setattr(planning, "parse_plan_lines", lambda reply: [])
    plan_case = next(c for c in CASES if c["consumer"] == "plan"
                     and c["expected"]["outcome"] == "valid")
    ok, line = pr.check_case(plan_case)
    assert not ok
    assert plan_case["id"] in line and "outcome: expected \"valid\", now \"malformed\"" in line
    assert pr.UPDATE_REPLIES in line


def test_a_prompt_change_fails_with_a_diff_and_the_command_to_re_record(monkeypatch, tmp_path) -> None:
    from shared.planning import planning

    pr.record_prompts(tmp_path)
    monkeypatch.setattr(planning, "PLANNER_SYSTEM", planning.PLANNER_SYSTEM + " Be brief.")
    passed, lines = pr.run_regression_suite(prompts=tmp_path)
    assert not passed
    text = "\n".join(lines)
    assert "FAIL prompt phase5_plan_request.txt changed" in text and pr.UPDATE_PROMPTS in text
    assert "+You plan small coding tasks." in text and "Be brief." in text
    pr.record_prompts(tmp_path)
    assert pr.run_regression_suite(prompts=tmp_path)[0]


def test_re_recording_replies_keeps_the_cases_and_refreshes_the_expectations(tmp_path) -> None:
    path = tmp_path / "replies.jsonl"
    cases = [dict(c) for c in CASES[:5]]
    cases[0] = {**cases[0], "expected": {"outcome": "nonsense"}}
    pr.write_cases(cases, path)
    assert not pr.run_regression_suite(replies=path)[0]
    assert pr.record_replies(path) == 5
    assert [c["id"] for c in pr.load_cases(path)] == [c["id"] for c in cases]
    assert pr.run_regression_suite(replies=path)[0]


def test_harvesting_a_trajectory_adds_its_replies_once(tmp_path) -> None:
    from shared.trajectory import Trajectory

    folder = tmp_path / "runs" / "phase3"
    with Trajectory(folder / "t.jsonl", meta={"format": "json", "model": "m", "task": "x"}) as log:
        log.log("llm_reply", step=1, content='Sure.\n{"name": "list_files", "arguments": {}}',
                finish_reason="stop", tool_calls=[])
        log.log("plan", step=1, reply="1. a b\n2. c d\n3. e f")
    path = tmp_path / "replies.jsonl"
    pr.write_cases([], path)
    assert pr.harvest([tmp_path / "runs"], [], path) == 2
    assert pr.harvest([tmp_path / "runs"], [], path) == 0
    first, second = pr.load_cases(path)
    assert first["expected"]["name"] == "list_files" and first["source"] == "runs/phase3/t.jsonl step 1"
    assert second["consumer"] == "plan" and second["expected"]["outcome"] == "valid"


def test_the_command_line_runs_the_suite(capsys) -> None:
    assert pr.main([]) == 0
    assert "prompt regression:" in capsys.readouterr().out


# -- a small live set: the embedded model's replies to today's prompts must be usable --------------
LIVE_TASK = "Create hello.py that prints hello, and run it."


@pytest.mark.live
@pytest.mark.parametrize("fmt", ["constrained", "json"])
def test_live_the_agent_s_first_reply_is_a_valid_action(embedded_llm, fmt, tmp_path) -> None:
    from shared.agent import Agent, ToolRegistry, final_answer
    from shared.reply_checks import check_action
    from shared.tools import workspace_tools

    registry = ToolRegistry(workspace_tools(tmp_path) + [final_answer])
    agent = Agent(embedded_llm, registry, fmt)
    messages = agent.initial_messages(LIVE_TASK)
    reply = embedded_llm.chat(messages, **agent.fmt.request(registry), temperature=0,
                              max_tokens=300, seed=0, timeout=900)
    check = check_action(agent.fmt.parse(reply), registry)
    assert check.valid, f"{check.problem}: {reply.content!r}"


@pytest.mark.live
def test_live_the_plan_reply_is_a_plan(embedded_llm) -> None:
    from shared.planning import planning
    from shared.reply_checks import check_plan

    reply = embedded_llm.chat(planning.plan_request(LIVE_TASK.replace("run it", "test it")),
                              temperature=0, max_tokens=160, stop=["```"], timeout=900)
    check = check_plan(reply.content, planning.parse_plan_lines(reply.content))
    assert check.valid, f"{check.problem}: {reply.content!r}"


@pytest.mark.live
def test_live_the_code_reply_holds_a_program_that_parses(embedded_llm) -> None:
    from shared.bench.prompts import generation_messages
    from shared.code_loop import extract_code
    from shared.reply_checks import check_code

    reply = embedded_llm.chat(generation_messages()["plain"], temperature=0, max_tokens=400,
                              timeout=900)
    check = check_code(reply.content, extract_code(reply.content), reply.truncated)
    assert check.valid, f"{check.problem}: {reply.content!r}"


@pytest.mark.live
def test_live_the_recorded_temperature_zero_plan_reply_is_reproduced(embedded_llm) -> None:
    """The recorded plan replies at temperature 0 came from this model: the same prompt gives a
    plan that parses into the same number of steps (the words may drift with llama.cpp)."""
    from shared.bench.prompts import generation_messages
    from shared.planning import planning

    recorded = [c for c in CASES if c["consumer"] == "plan" and "temperature 0.0" in c["source"]
                and "0.5b" in c["model"]]
    if not recorded:
        pytest.skip("no recorded temperature-0 plan of the 0.5B")
    case = recorded[0]
    messages = json.loads(json.dumps(generation_messages()["phase5_plan_request"]))
    from shared.bench.prompts import TASK

    messages[-1]["content"] = messages[-1]["content"].replace(TASK, case["task"])
    reply = embedded_llm.chat(messages, temperature=0, max_tokens=160, stop=["```"], seed=0,
                              timeout=900)
    steps = planning.Plan.from_reply(reply.content, case["task"])[0].steps
    assert len(steps) == len(case["expected"]["steps"]), reply.content
