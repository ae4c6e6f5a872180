"""Part 2 of `make check` and of the report: the check's own verdicts, the report's sections
for every stage, and the README's scaling table."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from nanochat_track import check as check_module
from nanochat_track import web_chat
from nanochat_track.check import falls, web_chat_in_browser
from nanochat_track.gpt import parameter_table
from nanochat_track.report import format_scaling, part2_sections, scaling_rows


def test_falls_needs_a_lower_finite_last_value():
    assert falls([{"val_loss": 3.0}, {"val_loss": 2.0}])[0]
    assert not falls([{"val_loss": 3.0}, {"val_loss": 3.5}])[0]
    assert not falls([{"val_loss": 3.0}, {"val_loss": float("nan")}])[0]


def test_web_check_fails_with_the_install_command_when_chromium_is_absent(monkeypatch, tmp_path):
    monkeypatch.setattr(web_chat, "browser_paths", lambda: None)
    result = web_chat_in_browser(tmp_path / "none.pt", tmp_path / "shot.png")
    assert result["ok"] is False and "apt-get install -y chromium chromium-driver" in result["next"]


def test_web_check_reports_a_browser_error_without_crashing(monkeypatch, tmp_path):
    monkeypatch.setattr(web_chat, "browser_paths", lambda: ("/bin/chromium", "/bin/chromedriver"))
    monkeypatch.setattr(web_chat.ChatModel, "from_checkpoint",
                        classmethod(lambda cls, path: (_ for _ in ()).throw(RuntimeError("boom"))))
    result = web_chat_in_browser(tmp_path / "x.pt", tmp_path / "shot.png")
    assert result["ok"] is False and "RuntimeError: boom" in result["summary"]


def stages_of_part2(tmp_path) -> dict:
    return {
        "synthetic": {"identity": {"total": 8, "written": 8, "rejected": 1, "per_minute": 4.0,
                                   "reasons": {"not in Dutch": 1}},
                      "llm": "embedded (qwen2.5-coder-0.5b)", "stage_time_s": 3.0},
        "midtrain": {"steps": 4, "conversations": 10, "mixture": "m", "train_time_s": 1.0,
                     "evals": [{"val_loss": 3.0}, {"val_loss": 2.5}], "plot": str(tmp_path / "mid_loss.png")},
        "sft": {"steps": 4, "conversations": 10, "mixture": "m", "train_time_s": 1.0,
                "evals": [{"val_loss": 2.0}, {"val_loss": 1.5}], "plot": None,
                "samples": [{"user": "Who are you?", "reply": "I am Pico."}]},
        "rl": {"steps": 2, "settings": {"prompts": 4, "samples": 4}, "history": [
            {"mean_reward": 0.1}, {"mean_reward": 0.3}], "reward_before": 0.0, "reward_after": 0.25,
            "held_out_questions": 16, "train_time_s": 9.0, "plot": str(tmp_path / "rl_reward.png")},
        "tool_call": {"user": "17*23?", "shown": "[python] 17*23 -> 391", "calls": [["17*23", "391"]]},
        "web_chat": {"summary": "'hi' -> 'hello'", "screenshot": str(tmp_path / "web_chat.png")},
        "generation": {"prefill_tokens": 20, "max_tokens": 64,
                       "batch_1": {"tokens": 64, "seconds": 0.5, "tok_per_s": 128.0},
                       "batch_4": {"tokens": 256, "seconds": 1.0, "tok_per_s": 256.0}, "stage_time_s": 1.5},
    }


def test_the_report_covers_every_part2_stage(tmp_path):
    text = "\n".join(part2_sections(stages_of_part2(tmp_path)))
    for needle in ("## Synthetic data", "| identity | 8 | 8 | 1 (1 not in Dutch) |", "written by embedded (qwen2.5",
                   "## Generation speed", "| 4 | 256 | 1.00 | 256.0 |", "## Mid-training", "3.0000 -> 2.5000",
                   "![Mid-training loss](mid_loss.png)", "## SFT", "I am Pico.", "## RL",
                   "0.100 -> 0.300", "0.000 -> 0.250", "![RL reward curve](rl_reward.png)",
                   "## A calculator call", "[['17*23', '391']]", "## Web chat", "![web chat screenshot](web_chat.png)"):
        assert needle in text
    assert "SFT loss" not in text  # no plot, no image line


def test_scaling_table_comes_from_the_model_code():
    rows = scaling_rows()
    params = {r["depth"]: r["params"] for r in parameter_table([20, 26, 32])}
    assert [r["depth"] for r in rows] == [20, 26, 32]
    for r in rows:
        assert r["params"] == params[r["depth"]] and r["tokens"] == 20 * r["params"]
        assert r["hours"] == pytest.approx(r["flops"] / (8 * 989e12 * 0.40) / 3600)
        assert r["cost_usd"] == pytest.approx(24 * r["hours"])
    assert rows[0]["hours"] < rows[1]["hours"] < rows[2]["hours"]
    table = format_scaling(rows)
    assert "| d20 | 561M |" in table and "not measured" in table


def test_check_part2_turns_a_missing_tool_call_into_a_failure(tmp_path, monkeypatch):
    from shared.check_report import CheckReport

    stages = stages_of_part2(tmp_path)
    stages["synthetic"] = {k: {"total": 5, "written": 5, "rejected": 0, "per_minute": 1.0}
                           for k in ("identity", "reasoning", "tool_use")}
    stages["tool_call"] = {"user": "q", "shown": "no call", "calls": [], "asked": 4, "forced_tokens": 0}
    for name in ("rl_reward.png", "rl.pt"):
        (tmp_path / name).write_bytes(b"x")
    stages["rl"].update(checkpoint=str(tmp_path / "rl.pt"), settings={"steps": 2, "prompts": 4, "samples": 4})
    monkeypatch.setattr(check_module, "web_chat_in_browser",
                        lambda ckpt, shot: {"ok": True, "summary": "fine", "screenshot": None})
    monkeypatch.setattr(check_module, "finish", lambda cfg, stages, log=None: None)
    report = CheckReport("t", "t")
    check_module.check_part2(report, SimpleNamespace(run_dir=str(tmp_path)), stages)
    verdicts = {line.name: line.passed for line in report.lines}
    assert verdicts["the engine runs a calculator call inside a conversation"] is False
    assert verdicts["synthetic set generated"] and verdicts["RL runs and saves its reward curve"]
    assert verdicts["mid-training validation loss falls"] and verdicts["the web page answers a message in headless Chromium"]
    # identity conversations left from an earlier run, none written by this run's LLM: a failure
    stages["synthetic"]["identity"] = {"total": 5, "written": 0, "rejected": 0, "per_minute": 0.0}
    report = CheckReport("t", "t")
    check_module.check_part2(report, SimpleNamespace(run_dir=str(tmp_path)), stages)
    assert {line.name: line.passed for line in report.lines}["synthetic set generated"] is False


def test_the_whole_report_accepts_the_pipeline_stages(tmp_path):
    from nanochat_track.config import make_config
    from nanochat_track.report import write_report

    stages = {**stages_of_part2(tmp_path), "report": str(tmp_path / "report.md")}  # a str, as the pipeline adds
    stages["rl"]["stage_time_s"] = 9.5
    path = write_report(make_config("cpu-tiny", {"run_dir": str(tmp_path)}), stages)
    text = path.read_text()
    assert "## RL" in text and "| rl | 9.5 s |" in text


def test_scaling_uses_a_measured_gpu_mfu_when_a_bench_file_has_one(tmp_path):
    import json

    from nanochat_track.report import measured_mfu

    assert measured_mfu(tmp_path) is None
    (tmp_path / "nanochat_cpu-tiny.json").write_text(json.dumps({"mfu": None, "device": "cpu"}))
    assert measured_mfu(tmp_path) is None  # a CPU bench has no MFU
    (tmp_path / "nanochat_d20.json").write_text(json.dumps({"mfu": 0.5, "device": "NVIDIA H100"}))
    measured = measured_mfu(tmp_path)
    assert measured["mfu"] == 0.5 and measured["config"] == "d20"
    slower, faster = scaling_rows(mfu=0.4), scaling_rows(mfu=0.5)
    assert faster[0]["hours"] == pytest.approx(slower[0]["hours"] * 0.4 / 0.5)
    assert "measured throughput: 50.0% MFU of d20 on NVIDIA H100" in format_scaling(faster, measured)
