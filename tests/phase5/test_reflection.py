"""REFLECTION.md is generated from the benchmark's figures (phase5_planning/reflection.py): numbers
go in, the right sentences come out, and missing figures say "not measured yet"."""

from __future__ import annotations

import json
from pathlib import Path

from phase5_planning import reflection


def figures(pass_at_1: float, tasks: int = 4, runs: int = 4, timeouts: int = 0,
            well_formed: float = 0.9, seconds: float = 100.0, failures: dict | None = None,
            task_pass: dict | None = None) -> dict:
    return {"tasks": tasks, "runs": runs, "pass_at_1": pass_at_1, "pass_at_1_spread": 0.0,
            "first_try": pass_at_1, "pass_at_k": {"1": pass_at_1}, "well_formed": well_formed,
            "mean_seconds": seconds, "mean_tokens": 1000.0, "mean_steps": 5.0,
            "timeouts": timeouts, "errors": 0, "failures": failures or {},
            "tracks": {}, "task_pass": task_pass or {"a": pass_at_1},
            "meta": {"commit": ["abc1234"]}}


def write_table(folder: Path, table: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    runs = {model: f"/x/runs/bench/phase5/run-{model}" for model in table}
    (folder / "phase5.json").write_text(json.dumps({"updated_at": "2026-12-01T10:00:00",
                                                    "runs": runs, "table": table, "aims": []}))


def test_two_models_and_two_generations_give_a_verdict_with_sources(tmp_path) -> None:
    write_table(tmp_path, {
        "qwen2.5-coder-0.5b": {"plain": figures(0.25), "phase5": figures(0.50, failures={
            "tests failing": 2}), "phase5-no_plan": figures(0.40)},
        "qwen2.5-coder-1.5b": {"plain": figures(0.50), "phase5": figures(0.75)},
    })
    text = reflection.write_reflection(tmp_path, tmp_path / "R.md")
    assert (tmp_path / "R.md").read_text() == text
    assert "phase5 50% against one plain reply 25%, +25 points (run run-qwen2.5-coder-0.5b, " \
           "qwen2.5-coder-0.5b, phase5, 4 tasks x 1 seed(s), commit abc1234)" in text
    assert "Model, phase5: qwen2.5-coder-1.5b 75% against qwen2.5-coder-0.5b 50%, +25 points" in text
    assert "- Verdict: neither more than the other moved pass@1 more (+25 points from the " \
           "architecture, +25 from the bigger model)." in text
    assert "phase5: pass@1 50% -> 75%" in text  # what the stronger model changed
    assert "phase5-no_plan: pass@1 40% against 50% with every technique" in text
    assert "+10 points" in text
    assert "reliability: not measured yet" in text
    assert "Failure patterns: not measured yet" in text
    for title, _ in reflection.QUESTIONS:
        assert f"## {title}" in text


def test_the_architecture_wins_when_its_gap_is_larger(tmp_path) -> None:
    write_table(tmp_path, {
        "m-0.5b": {"plain": figures(0.1), "phase5": figures(0.6)},
        "m-1.5b": {"plain": figures(0.2), "phase5": figures(0.7)},
    })
    text = reflection.write_reflection(tmp_path, tmp_path / "R.md")
    assert "- Verdict: the architecture moved pass@1 more (+50 points from the architecture, " \
           "+10 from the bigger model)." in text


def test_one_model_with_timeouts_says_what_was_not_measured(tmp_path) -> None:
    write_table(tmp_path, {"qwen2.5-coder-0.5b": {
        "plain": figures(1.0, tasks=2, runs=2),
        "phase5": figures(0.0, tasks=2, runs=2, timeouts=2, well_formed=0.0, seconds=990.0,
                          failures={"timeout": 2})}})
    text = reflection.write_reflection(tmp_path, tmp_path / "R.md")
    assert "every phase5 run stopped at its time limit or crashed (2 timeouts" in text
    assert "the bottleneck measured is compute time" in text
    assert "- Model: not measured yet: only qwen2.5-coder-0.5b ran" in text
    assert "Not measured yet: only qwen2.5-coder-0.5b ran." in text
    assert "well-formed share (no run completed)" in text
    assert "Time: 2 of 4 runs of qwen2.5-coder-0.5b hit the task's time limit" in text


def test_no_figures_at_all_is_said_plainly(tmp_path) -> None:
    text = reflection.write_reflection(tmp_path, tmp_path / "R.md")
    assert "benchmark: not measured yet" in text
    assert "Not measured yet: no benchmark figures. Run `make bench`" in text


def test_without_phase5_json_the_newest_run_folder_is_summarised(tmp_path) -> None:
    run = tmp_path / "phase5" / "20261203-074448-slice"
    run.mkdir(parents=True)
    records = [{"model": "qwen2.5-coder-0.5b", "generation": "plain", "task": t, "seed": 0,
                "track": "function", "status": "done", "passed": True, "replies": 1,
                "well_formed": 1, "seconds": 50.0, "commit": "22cbd28"} for t in ("a", "b")]
    (run / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (tmp_path / "phase5" / "20261201-000000-old").mkdir()
    data = reflection.load_benchmark(tmp_path)
    assert data["source"] == "phase5/20261203-074448-slice/results.jsonl"
    assert data["table"]["qwen2.5-coder-0.5b"]["plain"]["pass_at_1"] == 1.0


def test_the_reliability_figures_are_quoted(tmp_path) -> None:
    write_table(tmp_path, {"m-0.5b": {"plain": figures(0.5)}})
    (tmp_path / "reliability.json").write_text(json.dumps({
        "written_at": "2026-12-03T09:00:00", "trajectories": 7,
        "patterns": {"groups": ["phase5 / m-0.5b"], "runs": {"phase5 / m-0.5b": 7},
                     "counts": {"phase5 / m-0.5b": {"repeated call": 3, "timeout": 2}}},
        "recorded": {"plan": {"real": 5, "derived": 0, "valid": 4, "malformed": 1,
                              "problems": {"plan unreadable": 1}}},
        "fixes": {"8fb460a": {"summary": "temperatures asked [0.0, 0.0, 0.0] before the fix, "
                                         "[0.0, 0.0, 0.7] after"}}}))
    text = reflection.write_reflection(tmp_path, tmp_path / "R.md")
    assert "Failure patterns, phase5 / m-0.5b: repeated call 3, timeout 2 in 7 trajectories" in text
    assert "- 8fb460a: temperatures asked [0.0, 0.0, 0.0] before the fix, [0.0, 0.0, 0.7] after." \
        in text
    assert "Over every trajectory read: repeated call 3, timeout 2." in text
    assert "- Recorded plan replies (5 real, 0 derived): 4 usable, 1 not (plan unreadable 1)." in text


def test_the_committed_reflection_and_template_hold_the_five_questions() -> None:
    for name in ("REFLECTION.md", "REFLECTION_TEMPLATE.md"):
        text = (Path(reflection.__file__).parent / name).read_text()
        for number in range(1, 6):
            assert f"## {number}. " in text, (name, number)
