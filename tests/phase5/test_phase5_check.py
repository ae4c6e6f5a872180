"""The calculator's grading (hidden tests, mutants), `make check` (the calculator through
`agentlab run --yes`, the domain notebook, the data question, the prompt regression suite, the
benchmark slice: each line can pass and fail) and `make run` with a scripted model (the real runs
are `make -C phase5_planning check` and `run`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scripted_agent import GOOD, TESTS, UNSAFE, act, scripted

from phase5_planning import check, run
from phase5_planning.tasks import CALCULATOR, MUTANTS, calculator_source
from shared.cli import UsageError
from shared.llm import ScriptedBackend

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


@pytest.fixture
def extras(monkeypatch, tmp_path: Path) -> dict:
    """The check's other lines, each standing in with a result a test can set: the notebook,
    the live data question, the prompt regression suite and the benchmark slice (each of them
    is tested on its own below and in test_benchmark_report.py)."""
    monkeypatch.setenv("AGENTLAB_RUNS", str(tmp_path / "runs"))
    results = {"notebook": (True, "04_another_domain_data_assistant.ipynb: 9 code cells ran"),
               "question": (True, "'How many units ...' -> '2280 units'"),
               "regression": (True, "80 passed in 2.1s"), "slice": (True, Path("slice/report.md"))}
    calls = []

    def stand_in(name):
        def run(*_args, **_kwargs):
            calls.append(name)
            return results[name]
        return run

    monkeypatch.setattr(check, "run_notebook", stand_in("notebook"))
    monkeypatch.setattr(check, "ask_data_question", stand_in("question"))
    monkeypatch.setattr(check, "run_prompt_regression", stand_in("regression"))
    monkeypatch.setattr(check, "run_slice", stand_in("slice"))
    results["calls"] = calls
    return results


def test_check_passes_when_agentlab_run_writes_working_tested_code(monkeypatch, capsys, extras,
                                                                   tmp_path: Path) -> None:
    monkeypatch.setattr(check, "get_llm", lambda: scripted(SOLVE))
    assert check.main(["--record=0"]) == 0
    # the slice first: its workers are forked before this process runs the model itself
    assert extras["calls"] == ["slice", "notebook", "question", "regression"]
    out = capsys.readouterr().out
    assert "[PASS] agentlab run --yes: calculator, seed 0" in out and "hidden tests: 21 passed" in out
    assert "[PASS] finished by itself, verified (seed 0)" in out
    assert "files changed: calculator.py, test_calculator.py" in out
    assert "[INFO] its tests catch bugs (seed 0)" in out and "PASSED" in out
    assert "[PASS] the domain notebook runs" in out and "9 code cells ran" in out
    assert "[PASS] the data assistant answers a question from the CSV" in out
    assert "[PASS] the prompt regression suite passes" in out and "80 passed" in out
    ws = tmp_path / "runs" / "phase5" / "check-agentlab-0"
    assert (ws / "calculator.py").read_text() == GOOD, "it worked in the folder itself (--yes)"
    assert (tmp_path / "runs" / "agentlab").is_dir(), "the command's trajectory, where it keeps it"


def test_check_starts_the_calculator_in_a_fresh_folder(monkeypatch, capsys, extras,
                                                       tmp_path: Path) -> None:
    stale = tmp_path / "runs" / "phase5" / "check-agentlab-0"
    stale.mkdir(parents=True)
    (stale / "calculator.py").write_text(GOOD)  # a previous run's work must not count
    (stale / "test_calculator.py").write_text(TESTS)
    lazy = [act("final_answer", answer=f"done {i}") for i in range(3)]
    monkeypatch.setattr(check, "get_llm", lambda: scripted(lazy))
    assert check.main(["--record=0"]) == 1
    assert "[FAIL] agentlab run --yes: calculator, seed 0" in capsys.readouterr().out
    assert not (stale / "calculator.py").exists()


@pytest.mark.parametrize("line, failure, shown", [
    ("notebook", (False, "04_another_domain_data_assistant.ipynb stopped: NameError: x"),
     "[FAIL] the domain notebook runs"),
    ("question", (False, "'How many units ...' -> '2417 units' (the file says 2280)"),
     "[FAIL] the data assistant answers a question from the CSV"),
    ("regression", (False, "the prompt regression suite is not there "
                           "(tests/phase5/test_prompt_regression.py)"),
     "[FAIL] the prompt regression suite passes"),
    ("slice", (False, Path("slice/report.md")),
     "[FAIL] the benchmark runs end to end"),
])
def test_check_fails_when_one_of_its_other_lines_fails(monkeypatch, capsys, extras, line,
                                                       failure, shown) -> None:
    monkeypatch.setattr(check, "get_llm", lambda: scripted(SOLVE))
    extras[line] = failure
    assert check.main(["--record=0"]) == 1
    out = capsys.readouterr().out
    assert shown in out and "[PASS] agentlab run --yes: calculator, seed 0" in out
    if isinstance(failure[1], str):
        assert failure[1] in out


def test_the_data_question_can_be_left_out(monkeypatch, capsys, extras) -> None:
    monkeypatch.setattr(check, "get_llm", lambda: scripted(SOLVE))
    assert check.main(["--record=0", "--data_question=0"]) == 0
    assert "question" not in extras["calls"]
    assert "data assistant" not in capsys.readouterr().out


def test_check_fails_when_the_agent_never_tests(monkeypatch, capsys, extras) -> None:
    lazy = [act("write_file", path="calculator.py", content=GOOD)] + [
        act("final_answer", answer=f"done {i}") for i in range(3)]
    monkeypatch.setattr(check, "get_llm", lambda: scripted(lazy))
    assert check.main(["--record=0"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] agentlab run --yes: calculator, seed 0" in out and "no test_calculator.py" in out
    assert "[FAIL] finished by itself, verified" in out and "trajectory" in out


def test_check_refuses_what_it_does_not_know(monkeypatch) -> None:
    monkeypatch.setattr(check, "get_llm", lambda: pytest.fail("the model must not be loaded"))
    with pytest.raises(UsageError, match="did you mean --runs"):
        check.main(["--run=2"])
    with pytest.raises(UsageError, match="at least 1"):
        check.main(["--runs=0"])


# -- the new lines on their own -------------------------------------------------------------------
def data_reply(answer: str):
    replies = iter([act("aggregate", path="sales.csv", column="units", how="sum"),
                    act("final_answer", answer=answer)])

    def reply(_messages):
        name, arguments = next(replies)
        return json.dumps({"think": "next", "name": name, "arguments": arguments})

    return ScriptedBackend(reply)


def test_the_data_question_is_checked_against_the_csv(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AGENTLAB_RUNS", str(tmp_path))
    total = check.units_sold()
    right, detail = check.ask_data_question(data_reply(f"In total {total:,.0f} units were sold."))
    assert right and f"the file says {total:g}" in detail
    wrong, detail = check.ask_data_question(data_reply(f"{total + 137:.0f} units were sold."))
    assert not wrong and "stop: final_answer" in detail
    assert check.numbers_in("2,280 units, 3.5 each, -2") == [2280.0, 3.5, -2.0]


def test_the_prompt_regression_line_runs_the_suite_and_names_a_missing_one(tmp_path: Path) -> None:
    missing = check.run_prompt_regression(tmp_path / "test_prompt_regression.py")
    assert missing[0] is False and "the prompt regression suite is not there" in missing[1]
    suite = tmp_path / "test_suite.py"
    suite.write_text("import pytest\n\n\ndef test_ok():\n    pass\n\n\n"
                     "@pytest.mark.live\ndef test_live():\n    assert False\n")
    passed, detail = check.run_prompt_regression(suite)
    assert passed and "1 passed, 1 deselected" in detail
    suite.write_text("def test_ok():\n    pass\n\n\ndef test_bad():\n    assert 1 == 2\n")
    passed, detail = check.run_prompt_regression(suite)
    assert not passed and "1 failed, 1 passed" in detail and "FAILED" in detail


def test_the_notebook_line_runs_a_notebook_and_names_its_error(tmp_path: Path) -> None:
    import nbformat

    assert check.run_notebook(tmp_path / "missing.ipynb") == (False, "missing.ipynb is not there")
    broken = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os\nassert os.environ['AGENTLAB_FAST'] == '1'"),
        nbformat.v4.new_code_cell("raise ValueError('the cell broke')")])
    path = tmp_path / "broken.ipynb"
    nbformat.write(broken, path)
    ran, detail = check.run_notebook(path)
    assert not ran and "broken.ipynb stopped" in detail and "ValueError" in detail


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
