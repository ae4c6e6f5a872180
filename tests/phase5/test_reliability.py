"""The reliability report (shared/bench/reliability.py): failure patterns counted per generation
and model from crafted trajectories, with examples; the fixes' effect; the files it writes."""

from __future__ import annotations

import json
from pathlib import Path

from shared.bench import reliability
from shared.trajectory import Trajectory


def bench_run(root: Path) -> Path:
    """A benchmark run folder: one phase3 item with many failure patterns, one timed out."""
    run = root / "bench" / "phase5" / "20261201-000000-x"
    item = run / "items" / "default" / "phase3" / "t1" / "seed0"
    with Trajectory(item / "trajectory.jsonl", meta={"format": "json", "model": "m"}) as log:
        log.log("llm_reply", step=1, content="prose")
        log.log("parse_error", step=1, reason="the reply holds no JSON object", truncated=False)
        log.log("llm_reply", step=2, content="{...")
        log.log("parse_error", step=2, reason="cut", truncated=True)
        log.log("action", step=3, name="browse", arguments={}, valid=False,
                problem="there is no tool named 'browse'")
        log.log("observation", step=3, outcome="invalid", text="there is no tool named 'browse'; ...")
        log.log("action", step=4, name="read_file", arguments={"file": "a"}, valid=False)
        log.log("observation", step=4, outcome="invalid", text="bad arguments for read_file (...)")
        for step in (5, 6, 7):
            log.log("action", step=step, name="edit_file",
                    arguments={"path": "a.py", "old": "x", "new": "y"}, valid=True)
        log.log("observation", step=5, outcome="error", text="the text of old was not found in a.py")
        log.log("observation", step=6, outcome="refused",
                text="refused: you already made exactly this call and saw its result above.")
        log.log("observation", step=7, outcome="refused", text="refused: sudo is not allowed.")
        log.log("result", stop_reason="repeating")
    slow = run / "items" / "default" / "phase3" / "t2" / "seed0"
    with Trajectory(slow / "trajectory.jsonl", meta={"format": "json", "model": "m"}):
        pass
    records = [
        {"generation": "phase3", "task": "t1", "seed": 0, "model": "m", "status": "done",
         "passed": False, "stop_reason": "repeating", "replies": 7, "well_formed": 5,
         "trajectory": "items/default/phase3/t1/seed0/trajectory.jsonl",
         "finished_at": "2026-12-01T00:10:00", "commit": "abc"},
        {"generation": "phase3", "task": "t2", "seed": 0, "model": "m", "status": "timeout",
         "passed": False, "trajectory": "items/default/phase3/t2/seed0/trajectory.jsonl",
         "finished_at": "2026-12-01T00:20:00", "commit": "abc"}]
    (run / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return root / "bench"


def loose_plan_run(root: Path) -> Path:
    folder = root / "phase5"
    meta = {"format": "constrained", "model": "embedded (qwen2.5-coder-0.5b)", "techniques": {}}
    with Trajectory(folder / "20261202-run.jsonl", meta=meta) as log:
        log.log("plan", step=1, reply="ok", note="the plan could not be read: the default plan",
                valid=False)
        log.log("finish_refused", step=3, reason="tests fail")
        log.log("result", stop_reason="unverified")
    return folder


def test_the_patterns_are_counted_per_generation_and_model_with_examples(tmp_path) -> None:
    items = reliability.collect([bench_run(tmp_path), loose_plan_run(tmp_path)])
    data = reliability.analyse(items)
    assert data["groups"] == ["phase3 / m", "phase5 / qwen2.5-coder-0.5b"]
    counts = data["counts"]["phase3 / m"]
    assert counts == {"malformed action": 1, "truncated reply": 1, "unknown tool": 1,
                      "bad arguments": 1, "edit not found": 1, "repeated call": 1,
                      "shell refused": 1, "timeout": 1}
    assert data["counts"]["phase5 / qwen2.5-coder-0.5b"] == {
        "plan unreadable": 1, "finish refused": 1, "finished unverified": 1}
    assert data["examples"]["unknown tool"] == [
        "bench/phase5/20261201-000000-x/items/default/phase3/t1/seed0/trajectory.jsonl step 3"]
    assert data["runs"] == {"phase3 / m": 2, "phase5 / qwen2.5-coder-0.5b": 1}
    assert data["classes"]["phase3 / m"] == {"loop": 1, "timeout": 1}  # the taxonomy's words
    assert data["repeated_calls_max"]["phase3 / m"] == 3


def test_the_report_files_are_written(tmp_path) -> None:
    out = tmp_path / "out"
    data = reliability.build_report([bench_run(tmp_path), loose_plan_run(tmp_path)], out,
                                    measure=False)
    assert (out / "reliability.png").stat().st_size > 1000
    saved = json.loads((out / "reliability.json").read_text())
    assert saved["trajectories"] == 3 and saved["patterns"]["counts"] == data["patterns"]["counts"]
    text = (out / "reliability.md").read_text()
    assert "| unknown tool | 1 | 0 |" in text
    assert "- **repeated call**: the same call again" in text
    assert "## Fixes and their measured effect" in text
    assert "not measured in this report (written with --measure=0)" in text
    for fix in reliability.FIXES:
        assert f"**{fix.commit}**" in text
    assert "not seen in these trajectories: " in text


def test_an_empty_folder_gives_a_report_that_says_so(tmp_path) -> None:
    data = reliability.build_report([tmp_path / "nothing"], tmp_path / "out", measure=False)
    assert data["trajectories"] == 0
    assert "No trajectory was found" in (tmp_path / "out" / "reliability.md").read_text()


def test_before_and_after_a_fix_needs_trajectories_on_both_sides(tmp_path) -> None:
    items = reliability.collect([bench_run(tmp_path)])
    result = reliability.before_after(items, "8fb460a", reliability.same_call_after_refusal,
                                      "refused repeats followed by the same call again")
    if not result.get("commit_date"):  # no git history here: said, not guessed
        assert result["measured"] is False
        return
    # the crafted trajectories are from 2026-12-01, before the fix (2026-12-02): one side only
    assert result["measured"] is False and result["summary"].startswith("not measured")
    assert result["before"] == [2, 1, 1]  # 2 trajectories, 1 refused repeat, followed by the same


def test_the_repeat_fix_is_measured_by_replaying_a_recorded_sequence() -> None:
    figures = reliability.measure_repeat_temperature([])
    assert figures["measured"] is True
    assert figures["temperatures_after"][-1] == 0.7
    if figures["temperatures_before"] is not None:  # the loop before 8fb460a, from git
        assert figures["temperatures_before"][-1] == 0.0


def test_the_command_line_writes_the_report(tmp_path, capsys) -> None:
    folder = bench_run(tmp_path)
    assert reliability.main([f"--runs={folder}", f"--out={tmp_path / 'o'}", "--measure=0"]) == 0
    assert "2 trajectories read" in capsys.readouterr().out


def test_the_quote_fix_is_measured_on_the_recorded_replies() -> None:
    figures = reliability.measure_quote_fix()
    if not figures["measured"]:  # no git history here
        return
    assert figures["right_after"] == figures["replies"] > figures["right_before"]
    assert figures["fixed"]  # the 1.5B's reply with the forgotten quote, at least
    assert f"of {figures['replies']} recorded action replies" in figures["summary"]


def test_the_validation_fix_is_counted_on_the_recorded_replies() -> None:
    figures = reliability.measure_validation()
    assert figures["code_replies"] >= 1 and figures["plans"] >= 1
    assert "recorded summary replies" in figures["summary"]
