"""The command line and the trajectory writer."""

from __future__ import annotations

import json

import pytest

from phase2_dumb_loop import __main__ as cli
from phase2_dumb_loop.tasks import (
    TASKS,
    check_one_to_ten,
    check_sales_totals,
    check_scores_mean,
    check_seventeen_prime,
)
from shared.llm import ScriptedBackend
from shared.trajectory import Trajectory, new_trajectory_path, read_trajectory, slugify


def test_cli_shows_each_attempt_as_it_happens(monkeypatch, capsys):
    llm = ScriptedBackend(["```python\nprint(1/0)\n```", "```python\nprint(*range(1, 11))\n```"])
    monkeypatch.setattr(cli, "get_llm", lambda: llm)
    code = cli.main(["Print the numbers 1 to 10"])
    out = capsys.readouterr().out
    assert code == 0
    assert "attempt 1" in out and "attempt 2" in out
    assert "ZeroDivisionError" in out
    assert "SUCCESS: 2 attempt(s)" in out
    assert "Trajectory:" in out


def test_cli_runs_a_fixture_and_checks_its_output(monkeypatch, capsys):
    llm = ScriptedBackend(["```python\nprint(open('sales.csv').read())\n```"])
    monkeypatch.setattr(cli, "get_llm", lambda: llm)
    assert cli.main(["--task=csv_summary", "--max_attempts=1"]) == 0
    out = capsys.readouterr().out
    assert "Output check: wrong" in out  # it ran, but printing the file is not the summary


def test_cli_without_a_task_says_what_to_do(capsys):
    with pytest.raises(SystemExit):
        cli.main([])
    assert "give a task" in capsys.readouterr().err


def test_checks_accept_right_and_reject_wrong_outputs():
    assert check_one_to_ten("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n")
    assert check_one_to_ten("1 2 3 4 5 6 7 8 9 10")
    assert not check_one_to_ten("0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n")
    assert check_seventeen_prime("True\n") and check_seventeen_prime("17 is prime")
    assert not check_seventeen_prime("17 is not prime") and not check_seventeen_prime("False")
    assert check_sales_totals("apple: 30.0\nbanana: 10.0\ncherry: 25.0\n")
    assert check_sales_totals("Total for cherry = 25.00\napple 30\nbanana 10")
    assert not check_sales_totals("apple: 30.0\nbanana: 4.0\ncherry: 25.0\n")
    assert check_scores_mean("Average score: 82.5") and not check_scores_mean("82")
    assert len(TASKS) == 4


def test_trajectory_lines_are_json_with_time_and_kind(tmp_path):
    path = tmp_path / "t.jsonl"
    with Trajectory(path, meta={"model": "m"}) as traj:
        traj.log("step", value=1, where=tmp_path)
        assert len(path.read_text().splitlines()) == 2  # flushed at once
    events = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["kind"] for e in events] == ["start", "step", "end"]
    assert events[0]["meta"] == {"model": "m"}
    assert events[1]["value"] == 1 and events[1]["where"] == str(tmp_path)
    assert all(isinstance(e["t"], float | int) for e in events)
    with pytest.raises(ValueError):
        traj.log("late")


def test_new_trajectory_path_is_under_agentlab_runs(monkeypatch, tmp_path):
    monkeypatch.setenv("AGENTLAB_RUNS", str(tmp_path))
    first = new_trajectory_path("phase2", "Print the numbers 1 to 10!")
    first.write_text("")
    second = new_trajectory_path("phase2", "Print the numbers 1 to 10!")
    assert first.parent == tmp_path / "phase2"
    assert first.name.endswith("print-the-numbers-1-to-10.jsonl")
    assert second != first
    assert slugify("  ") == "run"


def test_half_written_last_line_is_skipped(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"t": 0, "kind": "start"}\n{"t": 1, "ki')
    assert read_trajectory(path) == [{"t": 0, "kind": "start"}]
