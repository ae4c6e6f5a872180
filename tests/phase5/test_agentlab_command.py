"""The `agentlab` command with a scripted model: run in the workspace (--yes) or in a scratch
copy whose changes are shown and applied only when the person says yes; exit codes; --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scripted_agent import GOOD, TESTS, act, scripted

from shared import agentlab_command
from shared.agentlab_command import changed_files, main, run_goal

GOAL = "Create calculator.py with add, subtract, multiply, divide and tests; all tests pass."
SOLVE = [act("write_file", path="calculator.py", content=GOOD),
         act("write_file", path="test_calculator.py", content=TESTS), act("run_tests"),
         act("final_answer", answer="done")]


def test_yes_works_in_the_workspace_and_reports_a_verified_finish(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("my project\n")
    summary = run_goal(GOAL, tmp_path, scripted(SOLVE), yes=True, max_steps=10, seed=0,
                       quiet=True, ask=lambda _q: pytest.fail("--yes must not ask"))
    assert summary["success"] and summary["files_changed"] == ["calculator.py",
                                                                "test_calculator.py"]
    assert (tmp_path / "calculator.py").read_text() == GOOD
    assert Path(summary["trajectory"]).is_file()


def test_without_yes_changes_stay_in_a_scratch_copy_until_approved(tmp_path: Path,
                                                                   capsys) -> None:
    answers = iter(["y", "n"])  # calculator.py yes, test_calculator.py no
    summary = run_goal(GOAL, tmp_path, scripted(SOLVE), yes=False, max_steps=10, seed=0,
                       quiet=True, ask=lambda _q: next(answers))
    assert summary["success"] and summary["files_changed"] == ["calculator.py"]
    assert (tmp_path / "calculator.py").read_text() == GOOD
    assert not (tmp_path / "test_calculator.py").exists()
    assert "+def add(a, b):" in capsys.readouterr().out  # the diff was shown


def test_an_unverified_run_exits_1_and_json_summarises_it(tmp_path: Path, monkeypatch,
                                                          capsys) -> None:
    lazy = [act("write_file", path="calculator.py", content=GOOD)] + [
        act("final_answer", answer="done")] * 4
    monkeypatch.setattr(agentlab_command, "get_llm", lambda: scripted(lazy))
    code = main(["run", GOAL, "--workspace", str(tmp_path), "--yes", "--json",
                 "--max-steps", "6"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 1 and summary["success"] is False
    assert set(summary) >= {"steps", "tokens", "seconds", "files_changed", "trajectory"}


def test_bad_usage_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["run", GOAL, "--workspace", str(tmp_path / "missing")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert main(["fly"]) == 2
    assert main(["bench", "--track=functions"]) == 2


def test_changed_files_sees_new_changed_and_removed_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for root in (a, b):
        (root / "pkg").mkdir(parents=True)
        (root / "same.py").write_text("x = 1\n")
    (a / "pkg" / "mod.py").write_text("old\n")
    (b / "pkg" / "mod.py").write_text("new\n")
    (a / "gone.py").write_text("")
    (b / "new.py").write_text("")
    (b / "__pycache__").mkdir()
    (b / "__pycache__" / "x.pyc").write_text("")
    assert changed_files(a, b) == ["gone.py", "new.py", "pkg/mod.py"]


def test_doctor_runs_the_frozen_doctor_with_the_make_targets_options(monkeypatch,
                                                                     capsys) -> None:
    from shared import doctor

    seen = []

    def fake_doctor(quick: bool = False, **_: object) -> list:
        seen.append(quick)
        return [doctor.Finding("python", doctor.PASS, "3.11.7")]

    monkeypatch.setattr(doctor, "run_doctor", fake_doctor)
    assert main(["doctor", "--quick"]) == 0 and seen == [True]
    assert "[PASS] python" in capsys.readouterr().out
    monkeypatch.setattr(doctor, "run_doctor", lambda **_: [
        doctor.Finding("model file", doctor.FAIL, "missing", "run `make setup`")])
    assert main(["doctor"]) == 1
    assert "-> run `make setup`" in capsys.readouterr().out
    assert main(["doctor", "--fast"]) == 2
