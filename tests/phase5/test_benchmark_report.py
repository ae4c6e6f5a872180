"""The benchmark's figures (pass@k, spread over seeds), its aims, the failure taxonomy, the
report with its plots, and the command line (bench.py) on stand-in tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmark_standins import make_tasks, model_reply, scripted_factory, suite_for

from shared.bench import command as bench
from shared.bench.figures import check_aims, generation_order, pass_at_k, pass_figures, summarise
from shared.bench.harness import BenchConfig, run_bench
from shared.bench.report import write_report
from shared.bench.taxonomy import count_classes, failure_class
from shared.cli import UsageError


def rec(task: str, seed: int, passed: bool, generation: str = "plain", model: str = "m",
        track: str = "function", **more) -> dict:
    return {"task": task, "seed": seed, "passed": passed, "generation": generation,
            "model": model, "track": track, "status": "done", "failure": "" if passed else
            "tests failing", "replies": 2, "well_formed": 1, "steps": 2, "prompt_tokens": 10,
            "completion_tokens": 5, "wall_seconds": 1.5, **more}


# -- pass@k and the figures ---------------------------------------------------------------------
def test_pass_at_k_is_the_unbiased_estimate() -> None:
    assert pass_at_k(5, 0, 1) == 0.0
    assert pass_at_k(5, 5, 3) == 1.0
    assert pass_at_k(5, 2, 1) == pytest.approx(0.4)
    assert pass_at_k(5, 2, 2) == pytest.approx(1 - 3 / 10)  # 1 - C(3,2)/C(5,2)
    assert pass_at_k(2, 1, 2) == 1.0
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


def test_pass_figures_give_mean_spread_first_try_and_pass_at_k() -> None:
    records = [rec("a", 0, True), rec("b", 0, False), rec("a", 1, False), rec("b", 1, False)]
    f = pass_figures(records)
    assert f["pass_at_1"] == 0.25 and f["first_try"] == 0.5
    assert f["pass_at_1_spread"] == pytest.approx(0.3536, abs=1e-4)  # stdev of 0.5 and 0.0
    assert f["pass_at_k"] == {"1": 0.25, "2": 0.5}  # a passes once in 2, b never
    assert f["tasks"] == 2 and f["runs"] == 4


def test_summary_groups_by_model_and_generation_oldest_first() -> None:
    records = [rec("a", 0, True, "phase3"), rec("a", 0, False, "plain"),
               rec("b", 0, True, "plain", track="project"), rec("a", 0, True, "plain", "n")]
    table = summarise(records)
    assert list(table) == ["m", "n"] and list(table["m"]) == ["plain", "phase3"]
    plain = table["m"]["plain"]
    assert plain["tracks"]["function"]["pass_at_1"] == 0.0
    assert plain["tracks"]["project"]["pass_at_1"] == 1.0
    assert plain["well_formed"] == 0.5 and plain["task_pass"] == {"a": 0.0, "b": 1.0}
    assert plain["failures"] == {"tests failing": 1}


def test_ablations_follow_their_generation_and_are_left_out_of_the_ladder() -> None:
    assert generation_order(["phase5-none", "phase3", "phase5", "plain", "phase5-no_plan"]) == \
        ["plain", "phase3", "phase5", "phase5-no_plan", "phase5-none"]
    records = [rec("a", 0, False, "plain"), rec("a", 0, True, "phase5"),
               rec("a", 0, False, "phase5-none")]
    assert check_aims(summarise(records))[1]["status"] == "met"
    # the `agentlab run` path is phase5 again, not a generation of its own: last, off the ladder
    assert generation_order(["agentlab", "phase5", "plain"]) == ["plain", "phase5", "agentlab"]
    records.append(rec("a", 0, False, "agentlab"))
    assert check_aims(summarise(records))[1]["status"] == "met"


def test_time_to_first_action_is_averaged_over_the_runs_that_acted() -> None:
    records = [rec("a", 0, True, first_action_s=2.0), rec("b", 0, False, first_action_s=None),
               rec("c", 0, True, first_action_s=4.0)]
    figures = summarise(records)["m"]["plain"]
    assert figures["mean_first_action_s"] == 3.0 and figures["mean_tokens"] == 15
    assert summarise([rec("a", 0, False)])["m"]["plain"]["mean_first_action_s"] is None


def table_with(plain: float, phase5: float, model: str = "qwen2.5-coder-0.5b",
               extra: dict | None = None) -> dict:
    records = []
    for i in range(20):
        records.append(rec(f"t{i}", 0, i < plain * 20, "plain", model))
        records.append(rec(f"t{i}", 0, i < phase5 * 20, "phase5", model))
    for task, passed in (extra or {}).items():
        records.append(rec(task, 0, passed, "phase5", model, track="project"))
    return summarise(records)


def test_aims_are_computed_from_the_figures() -> None:
    met = check_aims(table_with(0.30, 0.50, extra={"line_report": True,
                                                    "function_and_tests": True}))
    assert [a["status"] for a in met] == ["met", "met", "met"]
    assert "+20 points" in met[0]["detail"]
    short = check_aims(table_with(0.30, 0.40, extra={"line_report": False}))
    assert [a["status"] for a in short] == ["not met", "met", "not met"]
    assert "+10 points" in short[0]["detail"] and "tests failing" in short[0]["detail"]
    assert "line_report fails" in short[2]["detail"]
    worse = check_aims(table_with(0.50, 0.40))
    assert worse[1]["status"] == "not met" and "does not beat plain" in worse[1]["detail"]
    other = check_aims(table_with(0.3, 0.9, model="qwen2.5-coder-1.5b"))
    assert other[0]["status"] == "not measured" and other[2]["status"] == "not measured"


# -- the failure taxonomy -----------------------------------------------------------------------
def action(name: str, valid: bool = True, **arguments) -> dict:
    return {"kind": "action", "name": name, "arguments": arguments, "valid": valid}


@pytest.mark.parametrize(("record", "events", "expected"), [
    ({"status": "timeout"}, [], "timeout"),
    ({"status": "error"}, [], "error"),
    ({"status": "done", "stop_reason": "llm_error"}, [], "error"),
    ({"status": "done", "passed": True}, [], ""),
    ({"status": "done", "stop_reason": "context_overflow"}, [], "budget"),
    ({"status": "done"}, [{"kind": "context_overflow", "step": 4}], "budget"),
    ({"status": "done", "stop_reason": "repeating"}, [], "loop"),
    ({"status": "done"}, [{"kind": "stopped", "reason": "the same call was repeated"}], "loop"),
    ({"status": "done", "replies": 6, "well_formed": 6},
     [action("read_file", path="a.py")] * 3, "loop"),
    ({"status": "done", "replies": 4, "well_formed": 1},
     [{"kind": "parse_error", "reason": "no JSON"}] * 3, "format error"),
    ({"status": "done", "replies": 1, "well_formed": 0, "stop_reason": "no_code"}, [],
     "format error"),
    ({"status": "done", "replies": 4, "well_formed": 4},
     [action("open_file", valid=False, path="a"), action("cat", valid=False, path="b"),
      action("write_file", path="a.py", content="x")], "wrong tool"),
    ({"status": "done", "replies": 2, "well_formed": 2, "delivered": False,
      "stop_reason": "final_answer"}, [action("final_answer", answer="done")], "gave up"),
    ({"status": "done", "replies": 3, "well_formed": 3, "delivered": True,
      "stop_reason": "final_answer"},
     [action("write_file", path="a.py", content="x"), action("final_answer", answer="ok")],
     "tests failing"),
])
def test_each_failed_run_gets_one_class(record: dict, events: list, expected: str) -> None:
    assert failure_class(record, events) == expected


def test_classes_are_counted_in_their_order() -> None:
    records = [{"failure": "loop"}, {"failure": ""}, {"failure": "timeout"}, {"failure": "loop"}]
    assert count_classes(records) == {"timeout": 1, "loop": 2}


# -- the report ---------------------------------------------------------------------------------
def test_report_is_written_with_its_tables_aims_and_plots(tmp_path: Path) -> None:
    suite = suite_for(make_tasks(tmp_path))

    def wrong_plain(messages: list[dict]) -> str:
        reply = model_reply(messages)
        return reply.replace("a + b", "a * b") if "complete contents" in messages[0]["content"] \
            else reply

    records = run_bench(tmp_path / "run", BenchConfig(["plain", "phase3"], ["add", "report"]),
                        suite=suite, make_llm=scripted_factory(reply=wrong_plain), progress=False)
    path = write_report(tmp_path / "run", records)
    text = path.read_text()
    assert "| scripted-model | plain | 50% ± 0% |" in text
    assert "| scripted-model | phase3 | 100% ± 0% |" in text
    assert "| each generation beats the one before (pass@1 over all tasks) | **met** |" in text
    assert "quantisation none" in text and "seeds: 1" in text
    assert "| well-formed | s/task | s to 1st action | tokens/task |" in text
    assert "| scripted-model | plain | 2 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 1 |" in text
    for name in ("pass_rate", "cost_per_task", "failures"):
        png = tmp_path / "run" / "plots" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"plots/{name}.png" in text
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["table"]["scripted-model"]["plain"]["task_pass"] == {"add": 0.0, "report": 1.0}
    assert not list((tmp_path / "run").glob(".*.tmp"))  # written atomically, no leftovers


def test_report_refuses_an_empty_run(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no results"):
        write_report(tmp_path, [])


# -- the command line ---------------------------------------------------------------------------
def test_bench_runs_writes_the_table_and_replays(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AGENTLAB_RUNS", str(tmp_path / "runs"))
    suite = suite_for(make_tasks(tmp_path))
    table = tmp_path / "phase5.json"
    argv = ["--generations=plain,phase3", "--track=function", "--limit=1", "--seeds=2",
            "--workers=1", f"--out={table}", "--run_id=r1"]
    assert bench.main(argv, suite=suite, make_llm=scripted_factory()) == 0
    data = json.loads(table.read_text())
    assert list(data["table"]["scripted-model"]) == ["plain", "phase3"]
    assert data["table"]["scripted-model"]["plain"]["tasks"] == 1  # --limit=1 of the track
    assert data["table"]["scripted-model"]["plain"]["runs"] == 2
    phase3 = data["table"]["scripted-model"]["phase3"]  # tokens and time to the first action
    assert phase3["mean_tokens"] > 0 and 0 <= phase3["mean_first_action_s"] < 60
    run_dir = tmp_path / "runs" / "bench" / "phase5" / "r1"
    assert (run_dir / "report.md").is_file()

    log = tmp_path / "calls.log"
    assert bench.main(["--resume", f"--out={table}"], suite=suite,
                      make_llm=scripted_factory(log)) == 0
    assert not log.exists()  # everything was finished: no backend was built

    assert bench.main([f"--replay={run_dir}", f"--out={table}"], suite=suite) == 0
    assert "a replay" in (run_dir / "report.md").read_text()


def test_bench_refuses_a_bad_track_and_a_missing_run(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("AGENTLAB_RUNS", str(tmp_path / "runs"))
    suite = suite_for(make_tasks(tmp_path))
    with pytest.raises(UsageError, match="--track is function or project"):
        bench.main(["--track=functions"], suite=suite, make_llm=scripted_factory())
    with pytest.raises(UsageError, match="no benchmark run to resume"):
        bench.main(["--resume"], suite=suite, make_llm=scripted_factory())


def test_the_checks_slice_runs_plain_and_phase5_end_to_end(tmp_path: Path) -> None:
    suite = suite_for(make_tasks(tmp_path))
    ok, report = bench.run_slice(scripted_factory(), tmp_path / "slice", suite=suite,
                                 progress=False)
    assert ok and report == tmp_path / "slice" / "report.md"
    text = report.read_text()
    assert "| scripted-model | plain |" in text and "| scripted-model | phase5 |" in text
    info = json.loads((tmp_path / "slice" / "run.json").read_text())
    assert info["config"]["tasks"] == ["add", "double"]  # the easiest function tasks first
    assert info["config"]["seeds"] == 1


def test_the_slice_is_not_ok_when_its_runs_fail_to_happen(tmp_path: Path) -> None:
    suite = suite_for(make_tasks(tmp_path))

    def broken(messages: list[dict]) -> str:
        raise RuntimeError("no model")

    ok, report = bench.run_slice(scripted_factory(reply=broken), tmp_path / "slice",
                                 suite=suite, progress=False)
    assert not ok and report is not None and report.is_file()
