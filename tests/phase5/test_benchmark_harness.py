"""The benchmark harness on stand-in tasks with a scripted model: runs, records, resume, replay,
timeout, errors, and the generation adapters."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from benchmark_standins import make_tasks, model_reply, scripted_factory, suite_for

from shared.bench import harness
from shared.bench.generations import GENERATIONS, GenerationMissing, check_generations, file_task
from shared.bench.harness import (
    RESULTS,
    BenchConfig,
    append_record,
    read_records,
    replay,
    run_bench,
)
from shared.bench.run_info import git_commit, model_meta, quantisation, quantisation_in_name
from shared.llm import LLMTimeout, ScriptedBackend
from shared.trajectory import read_trajectory


@pytest.fixture
def suite(tmp_path: Path):
    return suite_for(make_tasks(tmp_path))


def calls(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_every_generation_runs_and_records_what_ran(tmp_path: Path, suite) -> None:
    config = BenchConfig(["plain", "phase2", "phase3", "phase4"], ["add", "report"], seeds=2,
                         temperature=0.2)
    records = run_bench(tmp_path / "run", config, suite=suite, make_llm=scripted_factory(),
                        progress=False)
    assert len(records) == 4 * 2 * 2
    assert all(r["status"] == "done" and r["passed"] for r in records), records
    for r in records:
        assert r["model"] == "scripted-model" and r["backend"] == "scripted"
        assert r["quantisation"] == "none" and "n_ctx" in r
        assert r["temperature"] == 0.2 and r["seed"] in (0, 1)
        assert r["commit"] and r["failure"] == ""
        assert (tmp_path / "run" / r["trajectory"]).is_file()
        assert (tmp_path / "run" / r["workspace"] / "solution.py").read_text().startswith("#")
        assert r["delivered"] and r["well_formed"] == r["replies"] >= 1
    agents = [r for r in records if r["generation"] in ("phase3", "phase4")]
    assert all(r["steps"] == 2 and r["stop_reason"] == "final_answer" for r in agents)
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    assert info["config"]["seeds"] == 2 and info["models"][""]["backend"] == "scripted"
    assert len((tmp_path / "run" / RESULTS).read_text().splitlines()) == 16


def test_a_wrong_answer_fails_its_hidden_tests(tmp_path: Path, suite) -> None:
    def wrong(messages: list[dict]) -> str:
        return model_reply(messages).replace("a + b", "a - b")

    records = run_bench(tmp_path / "run", BenchConfig(["plain"], ["add", "double"]), suite=suite,
                        make_llm=scripted_factory(reply=wrong), progress=False)
    by_task = {r["task"]: r for r in records}
    assert not by_task["add"]["passed"] and by_task["add"]["failure"] == "tests failing"
    assert by_task["add"]["n_failed"] == 1 and "AssertionError" in by_task["add"]["grade_output"]
    assert by_task["double"]["passed"]


def test_resume_runs_only_what_is_not_finished(tmp_path: Path, suite) -> None:
    log = tmp_path / "calls.log"
    config = BenchConfig(["plain", "phase3"], ["add", "double"], seeds=1)
    run_bench(tmp_path / "run", config, suite=suite, make_llm=scripted_factory(log),
              progress=False)
    made = calls(log)
    assert made == 1 + 4  # one to describe the model, one per item
    again = run_bench(tmp_path / "run", config, suite=suite, make_llm=scripted_factory(log),
                      progress=False)
    assert calls(log) == made and len(again) == 4

    # An interruption: one record lost, a torn line left at the end of the file.
    results = tmp_path / "run" / RESULTS
    lines = results.read_text().splitlines()
    results.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:25])
    after = run_bench(tmp_path / "run", config, suite=suite, make_llm=scripted_factory(log),
                      progress=False)
    assert calls(log) == made + 1
    assert len(after) == 4 and all(r["passed"] for r in after)


def test_an_error_is_recorded_and_run_again_on_resume(tmp_path: Path, suite) -> None:
    def broken(messages: list[dict]) -> str:
        raise RuntimeError("the server fell over")

    config = BenchConfig(["plain"], ["add"])
    first = run_bench(tmp_path / "run", config, suite=suite,
                      make_llm=scripted_factory(reply=broken), progress=False)
    assert first[0]["status"] == "error" and first[0]["failure"] == "error"
    assert "fell over" in first[0]["error"]
    second = run_bench(tmp_path / "run", config, suite=suite, make_llm=scripted_factory(),
                       progress=False)
    assert second[0]["status"] == "done" and second[0]["passed"]


@pytest.mark.parametrize("generation", ["plain", "phase2", "phase3"])
def test_a_model_that_does_not_answer_is_an_error_not_a_failure(tmp_path: Path, suite,
                                                                 generation: str) -> None:
    def timing_out(messages: list[dict]) -> Exception:
        return LLMTimeout("the model did not finish within 120 s")

    records = run_bench(tmp_path / "run", BenchConfig([generation], ["add"]), suite=suite,
                        make_llm=scripted_factory(reply=timing_out), progress=False)
    assert records[0]["status"] == "error" and records[0]["failure"] == "error"
    assert not records[0]["passed"]


def test_a_run_past_its_time_limit_is_killed_and_recorded_as_timeout(tmp_path: Path,
                                                                      monkeypatch, suite) -> None:
    def slow(messages: list[dict]) -> str:
        time.sleep(60)
        return model_reply(messages)

    monkeypatch.setattr(harness, "SETUP_ALLOWANCE_S", 0.0)
    config = BenchConfig(["phase3"], ["add"], time_limit_s=0.0)  # the limit: the task's 1 s
    tasks = make_tasks(tmp_path / "quick", timeout_s=1.0)
    records = run_bench(tmp_path / "run", config, suite=suite_for(tasks),
                        make_llm=scripted_factory(reply=slow), progress=False)
    assert records[0]["status"] == "timeout" and records[0]["failure"] == "timeout"
    assert not records[0]["passed"] and records[0]["stop_reason"] == "timeout"


def test_replay_regrades_the_kept_workspaces_without_a_model(tmp_path: Path, suite) -> None:
    run = tmp_path / "run"
    records = run_bench(run, BenchConfig(["plain", "phase3"], ["add", "double"]), suite=suite,
                        make_llm=scripted_factory(), progress=False)
    assert all(r["passed"] for r in records)
    broken = next(r for r in records if r["generation"] == "phase3" and r["task"] == "add")
    (run / broken["workspace"] / "solution.py").write_text("def add(a, b):\n    return 0\n")
    replayed = replay(run, suite=suite, progress=False)  # no backend is given: none is needed
    by_key = {(r["generation"], r["task"]): r for r in replayed}
    assert not by_key[("phase3", "add")]["passed"]
    assert by_key[("phase3", "add")]["failure"] == "tests failing"
    assert sum(r["passed"] for r in replayed) == 3
    assert len((run / harness.REPLAYED).read_text().splitlines()) == 4
    assert read_records(run / RESULTS) == records  # the original results are kept


def test_replay_of_a_folder_without_results_says_so(tmp_path: Path, suite) -> None:
    with pytest.raises(harness.AgentlabError, match="no results to replay"):
        replay(tmp_path, suite=suite, progress=False)


def test_results_file_keeps_the_latest_record_per_item(tmp_path: Path) -> None:
    path = tmp_path / RESULTS
    item = {"model_spec": "", "generation": "plain", "task": "add", "seed": 0}
    append_record(path, {**item, "status": "error"})
    with open(path, "a") as handle:
        handle.write('{"model_spec": "", "generation"')  # torn by a crash
    append_record(path, {**item, "status": "done"})
    append_record(path, {**item, "seed": 1, "status": "done"})
    records = read_records(path)
    assert [(r["seed"], r["status"]) for r in records] == [(0, "done"), (1, "done")]


def test_unknown_or_missing_generations_are_refused_in_one_sentence() -> None:
    with pytest.raises(GenerationMissing, match="unknown generation 'phase9'"):
        check_generations(["plain", "phase9"])
    check_generations(["plain", "phase2", "phase3", "phase4", "phase5", "phase6"])


def test_phase5_runs_with_a_technique_switched_off(tmp_path: Path, suite) -> None:
    config = BenchConfig(["phase5", "phase5-none"], ["add"])
    records = run_bench(tmp_path / "run", config, suite=suite, make_llm=scripted_factory(),
                        progress=False)
    assert {r["generation"]: r["passed"] for r in records} == {"phase5": True,
                                                              "phase5-none": True}
    events = {r["generation"]: read_trajectory(tmp_path / "run" / r["trajectory"])
              for r in records}
    assert events["phase5"][0]["meta"]["techniques"]["plan"] is True
    assert events["phase5-none"][0]["meta"]["techniques"]["plan"] is False
    with pytest.raises(GenerationMissing, match="no ablation 'no_thinking'"):
        check_generations(["phase5-no_thinking"])
    with pytest.raises(GenerationMissing, match="unknown generation 'phase3-no_plan'"):
        check_generations(["phase3-no_plan"])


def test_unknown_task_names_are_refused(tmp_path: Path, suite) -> None:
    with pytest.raises(harness.AgentlabError, match="no benchmark task named nope"):
        run_bench(tmp_path / "run", BenchConfig(["plain"], ["add", "nope"]), suite=suite,
                  make_llm=scripted_factory(), progress=False)


def test_plain_and_phase2_see_the_starting_files_and_write_the_entry(tmp_path: Path,
                                                                      suite) -> None:
    task = suite.load(names=["add"])[0]
    workspace = suite.prepare(task, tmp_path / "ws")
    text = file_task(task, workspace)
    assert "Write add in solution.py." in text and "def add(a, b):" in text
    llm = ScriptedBackend(["no code here, sorry"])
    outcome = GENERATIONS["plain"](llm, task, workspace, 0, tmp_path / "t.jsonl")
    assert not outcome.finished and outcome.well_formed == 0 and outcome.stop_reason == "no_code"
    assert (workspace / "solution.py").read_text() == (task.folder / "start/solution.py").read_text()
    llm = ScriptedBackend(["```python\nprint(1/0)\n```", "```python\ndef add(a, b):\n"
                                                          "    return a + b\n```"])
    outcome = GENERATIONS["phase2"](llm, task, workspace, 0, tmp_path / "t2.jsonl")
    assert outcome.finished and outcome.replies == 2 and outcome.prompt_tokens > 0
    assert "return a + b" in (workspace / "solution.py").read_text()


def test_quantisation_is_read_from_names() -> None:
    assert quantisation_in_name("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf") == "Q4_K_M"
    assert quantisation_in_name("qwen2.5-coder:7b-instruct-q4_K_M") == "Q4_K_M"
    assert quantisation_in_name("model-q8_0.gguf") == "Q8_0"
    assert quantisation_in_name("qwen2.5-coder-1.5b-instruct.gguf") == ""
    assert quantisation(ScriptedBackend(["x"])) == "none"


def test_the_real_tasks_run_through_the_harness(tmp_path: Path) -> None:
    """Two real function tasks: one plain reply with the reference solution passes the hidden
    tests; one that sends the starting stub back delivers nothing ("gave up")."""
    from shared.bench.task_set import load_tasks

    tasks = load_tasks(track="function")[:2]
    good, stub = tasks
    by_prompt = {t.prompt: t for t in tasks}

    def reply(messages: list[dict]) -> str:
        task = next(t for p, t in by_prompt.items() if p in messages[-1]["content"])
        folder = task.solution_dir if task is good else task.start_dir
        return f"```python\n{(folder / task.main_entry).read_text()}```"

    records = run_bench(tmp_path / "run", BenchConfig(["plain"], [t.name for t in tasks]),
                        make_llm=scripted_factory(reply=reply), progress=False)
    by_task = {r["task"]: r for r in records}
    assert by_task[good.name]["passed"] and by_task[good.name]["n_passed"] > 0
    assert not by_task[stub.name]["passed"] and by_task[stub.name]["failure"] == "gave up"
    assert by_task[good.name]["entry"] == good.entry and by_task[good.name]["level"] == good.level


def test_the_commit_is_recorded_or_said_unknown(tmp_path: Path) -> None:
    assert git_commit(tmp_path) == "unknown"  # not a git checkout
    commit = git_commit()
    assert commit != "unknown" and len(commit.split()[0]) >= 7
    meta = model_meta(ScriptedBackend(["x"], model="tiny"))
    assert meta == {"model": "tiny", "backend": "scripted", "describe": "scripted (tiny)",
                    "quantisation": "none", "n_ctx": None}


def test_the_agentlab_command_path_runs_as_a_generation_and_agrees_with_phase5(
        tmp_path: Path, suite, monkeypatch) -> None:
    """`agentlab run --yes` (run_goal) on the benchmark's tasks: the same agent as phase5, so the
    same passes; its trajectory goes where the harness reads it."""
    monkeypatch.setenv("AGENTLAB_RUNS", str(tmp_path / "runs"))
    config = BenchConfig(["phase5", "agentlab"], ["add", "double"], temperature=0.2)
    records = run_bench(tmp_path / "run", config, suite=suite, make_llm=scripted_factory(),
                        progress=False)
    by = {(r["generation"], r["task"]): r for r in records}
    assert all(r["status"] == "done" and r["passed"] for r in records), records
    for task in ("add", "double"):
        p5, cmd = by[("phase5", task)], by[("agentlab", task)]
        assert (cmd["steps"], cmd["well_formed"], cmd["stop_reason"]) == (
            p5["steps"], p5["well_formed"], p5["stop_reason"])
        assert cmd["tokens"] == p5["tokens"] > 0
        events = read_trajectory(tmp_path / "run" / cmd["trajectory"])
        assert any(e["kind"] == "plan" for e in events)
        assert events[0]["meta"]["temperature"] == 0.2, "the bench's temperature reaches it"
    assert not (tmp_path / "runs" / "agentlab").exists(), "the trajectory went to the run folder"
    check_generations(["agentlab"])


def test_time_to_first_action_and_tokens_are_recorded_per_item(tmp_path: Path, suite) -> None:
    config = BenchConfig(["plain", "phase3"], ["add"])
    records = run_bench(tmp_path / "run", config, suite=suite, make_llm=scripted_factory(),
                        progress=False)
    for r in records:
        assert r["tokens"] == r["prompt_tokens"] + r["completion_tokens"] > 0
        assert isinstance(r["first_action_s"], float) and 0 <= r["first_action_s"] <= r[
            "wall_seconds"]
    never = [{"t": 0.0, "kind": "start"}, {"t": 1.5, "kind": "action", "name": "nope",
                                           "valid": False},
             {"t": 2.0, "kind": "action", "name": "final_answer", "valid": True}]
    assert harness.first_action_seconds(never) is None
    acted = never[:2] + [{"t": 3.25, "kind": "action", "name": "read_file", "valid": True}]
    assert harness.first_action_seconds(acted) == 3.25
    assert harness.first_action_seconds([{"t": 4.0, "kind": "code", "code": None},
                                         {"t": 9.0, "kind": "code", "code": "x = 1"}]) == 9.0
