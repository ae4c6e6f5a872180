"""The calculator's grading (hidden tests, mutants), `make check` and `make run` with a scripted
model (the real runs are `make -C phase5_planning check` and `run`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripted_agent import GOOD, TESTS, UNSAFE, act, scripted

from phase5_planning import check, run
from phase5_planning.tasks import CALCULATOR, MUTANTS, calculator_source
from shared.cli import UsageError

SOLVE = [act("write_file", path="calculator.py", content=GOOD),
         act("write_file", path="test_calculator.py", content=TESTS), act("run_tests"),
         act("final_answer", answer="done")]


def write(workspace: Path, code: str | None, tests: str | None) -> Path:
    workspace = CALCULATOR.prepare(workspace)
    if code is not None:
        (workspace / "calculator.py").write_text(code)
    if tests is not None:
        (workspace / "test_calculator.py").write_text(tests)
    return workspace


def test_the_hidden_tests_accept_every_reasonable_division_by_zero(tmp_path: Path) -> None:
    ways = {"raises ValueError": GOOD, "raises ZeroDivisionError": UNSAFE,
            "returns None": GOOD.replace("raise ValueError('division by zero')", "return None"),
            "returns a message": GOOD.replace("raise ValueError('division by zero')",
                                              "return 'Error: division by zero'"),
            "returns inf": GOOD.replace("raise ValueError('division by zero')", "return float('inf')")}
    for name, code in ways.items():
        grade = CALCULATOR.grade(write(tmp_path / "ws", code, "def test_x():\n    pass\n"))
        assert grade.hidden.ok, (name, grade.detail)
        assert not (tmp_path / "ws" / ".hidden_tests").exists(), "taken away again"


def test_the_hidden_tests_reject_wrong_code_and_each_mutant(tmp_path: Path) -> None:
    for name, bodies in MUTANTS.items():
        grade = CALCULATOR.grade(write(tmp_path / "ws", calculator_source(bodies), TESTS))
        assert not grade.passed and not grade.hidden.ok, name


def test_a_grade_needs_the_code_the_tests_and_both_passing(tmp_path: Path) -> None:
    assert CALCULATOR.grade(write(tmp_path / "a", None, None)).detail == "no calculator.py was written"
    no_tests = CALCULATOR.grade(write(tmp_path / "b", GOOD, None))
    assert not no_tests.passed and "no test_calculator.py" in no_tests.detail
    failing_own = CALCULATOR.grade(write(tmp_path / "c", GOOD, TESTS.replace("== 5", "== 6")))
    assert not failing_own.passed and failing_own.hidden.ok and not failing_own.own_tests.ok
    good = CALCULATOR.grade(write(tmp_path / "d", GOOD, TESTS))
    assert good.passed and "catch 2 of 2 broken calculators" in good.detail
    weak = CALCULATOR.grade(write(tmp_path / "e", GOOD, "from calculator import add\n\n"
                                  "def test_add():\n    assert add(1, 1) == 2\n"))
    assert weak.passed and weak.mutants_caught == {"add is wrong": True,
                                                   "divide(x, 0) returns 0": False}


def test_check_passes_when_the_agent_writes_working_tested_code(monkeypatch, capsys) -> None:
    monkeypatch.setattr(check, "get_llm", lambda: scripted(SOLVE))
    slices = []  # the slice itself is tested in test_benchmark_report.py, with stand-in tasks
    monkeypatch.setattr(check, "run_slice",
                        lambda: slices.append(1) or (True, Path("slice/report.md")))
    assert check.main(["--record=0"]) == 0 and slices == [1]
    out = capsys.readouterr().out
    assert "[PASS] calculator, seed 0" in out and "hidden tests: 21 passed" in out
    assert "[PASS] finished by itself, verified (seed 0)" in out
    assert "[INFO] its tests catch bugs (seed 0)" in out and "PASSED" in out


def test_check_fails_when_the_benchmark_slice_does_not_run_through(monkeypatch, capsys) -> None:
    monkeypatch.setattr(check, "get_llm", lambda: scripted(SOLVE))
    monkeypatch.setattr(check, "run_slice", lambda: (False, Path("slice/report.md")))
    assert check.main(["--record=0"]) == 1
    assert "[FAIL] the benchmark runs end to end" in capsys.readouterr().out


def test_check_fails_when_the_agent_never_tests(monkeypatch, capsys) -> None:
    lazy = [act("write_file", path="calculator.py", content=GOOD)] + [
        act("final_answer", answer=f"done {i}") for i in range(3)]
    monkeypatch.setattr(check, "get_llm", lambda: scripted(lazy))
    monkeypatch.setattr(check, "run_slice", lambda: (True, Path("slice/report.md")))
    assert check.main(["--record=0"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] calculator, seed 0" in out and "no test_calculator.py" in out
    assert "[FAIL] finished by itself, verified" in out and "trajectory" in out


def test_check_refuses_what_it_does_not_know(monkeypatch) -> None:
    monkeypatch.setattr(check, "get_llm", lambda: pytest.fail("the model must not be loaded"))
    with pytest.raises(UsageError, match="did you mean --runs"):
        check.main(["--run=2"])
    with pytest.raises(UsageError, match="at least 1"):
        check.main(["--runs=0"])


def test_run_prints_the_plan_and_grades_the_calculator(monkeypatch, capsys) -> None:
    monkeypatch.setattr(run, "get_llm", lambda: scripted(SOLVE))
    assert run.main([]) == 0
    out = capsys.readouterr().out
    assert "1. [now] Write calculator.py" in out and "PASSED: its own tests: 5 passed" in out


def test_run_takes_a_task_of_ones_own_and_techniques_off(monkeypatch, capsys) -> None:
    steps = [act("write_file", path="hello.py", content="print('hi')\n"), act("run_python", path="hello.py"),
             act("final_answer", answer="done")]
    monkeypatch.setattr(run, "get_llm", lambda: scripted(steps))
    assert run.main(["--task=Write hello.py that prints hi.", "--plan=0", "--self_tests=0"]) == 0
    out = capsys.readouterr().out
    assert "techniques: no_plan+no_self_tests" in out and "stop: final_answer" in out
