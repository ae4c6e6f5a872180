"""`make check`'s plumbing, with a scripted model that knows the answers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from phase2_dumb_loop import check
from shared.cli import UsageError
from shared.llm import ScriptedBackend

ANSWERS = {
    "numbers 1 to 10": "for i in range(1, 11):\n    print(i)",
    "is_prime": "def is_prime(n):\n    return n > 1 and all(n % d for d in range(2, n))\n"
                "print(is_prime(17))",
    "sales.csv": "import csv\nt = {}\nfor r in csv.DictReader(open('sales.csv')):\n"
                 "    t[r['product']] = t.get(r['product'], 0) + float(r['amount'])\n"
                 "for p, v in t.items():\n    print(f'{p}: {v}')",
    "pandas": "import pandas\n",  # never adapts: the loop must give up gracefully
}


def knows_the_answers(messages):
    task = messages[1]["content"]
    key = next(k for k in ANSWERS if k in task)
    return f"```python\n{ANSWERS[key]}\n```"


def test_check_passes_with_three_of_four_and_names_the_graceful_failure(monkeypatch, capsys):
    monkeypatch.setattr(check, "get_llm", lambda: ScriptedBackend(knows_the_answers))
    code = check.main(["--max_attempts=2", "--no_record"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "| missing_package | no | 2 |" in out
    assert "graceful failure" in out
    assert "at least 3 of 4 tasks solved" in out and "PASSED" in out


def test_check_fails_when_too_few_tasks_succeed(monkeypatch, capsys):
    monkeypatch.setattr(check, "get_llm",
                        lambda: ScriptedBackend(lambda messages: "```python\nraise SystemExit(3)\n```"))
    code = check.main(["--max_attempts=1", "--no_record", "--tasks=print_1_to_10,is_17_prime"])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL" in out and "0/2" in out


def test_missing_package_outcomes_are_named(tmp_path):
    from phase2_dumb_loop.tasks import TASKS
    from shared.code_loop.loop import solve

    task = TASKS["missing_package"]
    wrong = "```python\nimport csv\nprint(42)\n```"
    result = solve(task.prompt, ScriptedBackend(["```python\nimport pandas\n```", wrong]),
                   files=task.files, trajectory_path=tmp_path / "t.jsonl")
    assert check.outcome_of_missing_package(result, task.check(result.stdout)).startswith(
        "adaptation, wrong answer")
    right = "```python\nimport csv\nr = list(csv.DictReader(open('scores.csv')))\n" \
            "print(sum(float(x['score']) for x in r) / len(r))\n```"
    result = solve(task.prompt, ScriptedBackend(["```python\nimport pandas\n```", right]),
                   files=task.files, trajectory_path=tmp_path / "u.jsonl")
    assert check.outcome_of_missing_package(result, task.check(result.stdout)).startswith(
        "adaptation: pandas failed")


def test_unknown_task_names_the_closest_one(monkeypatch):
    monkeypatch.setattr(check, "get_llm", lambda: pytest.fail("the model must not be loaded"))
    with pytest.raises(UsageError, match="unknown task 'print_1_to_1O' in --tasks: did you mean "
                                         "print_1_to_10"):
        check.main(["--tasks=print_1_to_1O", "--no_record"])
    with pytest.raises(UsageError, match="did you mean --max_attempts"):
        check.main(["--max_attempt=2"])


def test_the_check_command_line_prints_one_sentence_for_a_bad_option():
    run = subprocess.run([sys.executable, "-m", "phase2_dumb_loop.check", "--tasks=bogus_task"],
                         cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2
    assert run.stderr.startswith("error: unknown task 'bogus_task'") and "usage:" not in run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
