"""The command line and the trajectory writer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from phase2_dumb_loop import __main__ as cli
from phase2_dumb_loop.tasks import (
    TASKS,
    check_one_to_ten,
    check_sales_totals,
    check_scores_mean,
    check_seventeen_prime,
)
from shared.cli import run_main
from shared.llm import ScriptedBackend
from shared.trajectory import Trajectory, new_trajectory_path, read_trajectory, slugify

REPO = Path(__file__).resolve().parents[2]


def test_cli_shows_each_attempt_as_it_happens(monkeypatch, capsys):
    llm = ScriptedBackend(["```python\nprint(1/0)\n```", "```python\nprint(*range(1, 11))\n```"])
    monkeypatch.setattr(cli, "get_llm", lambda: llm)
    code = cli.main(["Print the numbers 1 to 10"])
    out = capsys.readouterr().out
    assert code == 0
    assert "attempt 1" in out and "attempt 2" in out
    assert "ZeroDivisionError" in out
    assert "RAN: the program exited with code 0 after 2 attempt(s)" in out
    assert "Trajectory:" in out


def test_cli_says_the_output_was_not_checked(monkeypatch, capsys):
    llm = ScriptedBackend(["```python\nprint(*range(1, 11))\n```"])
    monkeypatch.setattr(cli, "get_llm", lambda: llm)
    assert cli.main(["Print the numbers 1 to 10"]) == 0
    out = capsys.readouterr().out
    assert "SUCCESS" not in out  # exit code 0 is all the loop knows
    assert "the exit code only; the output was not checked against an expected answer" in out
    assert "Warning" not in out  # a clean output raises no warning


def test_cli_warns_when_the_output_looks_like_a_caught_error(monkeypatch, capsys):
    caught = ("```python\ntry:\n    open('numbers.csv')\nexcept OSError as err:\n"
              "    print('Error:', err)\n```")
    monkeypatch.setattr(cli, "get_llm", lambda: ScriptedBackend([caught]))
    assert cli.main(["Print the sum of numbers.csv", "--max_attempts=1"]) == 0
    out = capsys.readouterr().out
    assert "exited with code 0" in out
    assert 'Warning: a line of the output looks like an error message ("Error: [Errno 2]' in out
    assert "may have caught its own error" in out


def test_error_looking_lines_are_found_and_ordinary_ones_are_not():
    assert cli.error_looking_line("sum: 6\nTraceback (most recent call last):") == \
        "Traceback (most recent call last):"
    assert cli.error_looking_line("ValueError: bad") == "ValueError: bad"
    assert cli.error_looking_line("An ERROR occurred") == "An ERROR occurred"
    assert cli.error_looking_line("no errors, 3 terrors\nsum: 6") is None


def test_cli_copies_files_into_the_workspace(monkeypatch, capsys, tmp_path):
    (tmp_path / "numbers.csv").write_text("1\n2\n3\n")
    (tmp_path / "blob.bin").write_bytes(b"\x00\xff\x10")
    program = ("```python\nprint(sum(int(x) for x in open('numbers.csv')))\n"
               "print(len(open('blob.bin', 'rb').read()))\n```")
    llm = ScriptedBackend([program])
    monkeypatch.setattr(cli, "get_llm", lambda: llm)
    code = cli.main(["Print the sum of the numbers in numbers.csv",
                     f"--file={tmp_path / 'numbers.csv'}", "--file", str(tmp_path / "blob.bin")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "stdout:\n    6\n    3" in out  # the text file and the binary one, byte for byte
    assert "blob.bin, numbers.csv" in llm.calls[0]["messages"][1]["content"]


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "absent.csv", "there is no such file"),
    (lambda d: d, "is a folder"),
])
def test_cli_bad_file_is_one_sentence(monkeypatch, capsys, tmp_path, make, message):
    monkeypatch.setattr(cli, "get_llm", lambda: pytest.fail("the model must not be loaded"))
    assert run_main(lambda: cli.main(["task", f"--file={make(tmp_path)}"])) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --file=") and message in err and err.count("\n") == 1


def test_cli_two_files_with_one_name_are_refused(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "sales.csv").write_text("x")
    with pytest.raises(cli.FileProblem, match="two files are named 'sales.csv'"):
        cli.main(["--task=csv_summary", f"--file={tmp_path / 'a' / 'sales.csv'}"])


def test_the_command_line_prints_one_sentence_for_a_missing_file():
    run = subprocess.run([sys.executable, "-m", "phase2_dumb_loop", "--file=absent.csv", "task"],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip() == ("error: --file=absent.csv: there is no such file; check the "
                                  "path (it is relative to the folder you run the command in).")


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
