"""The loop, driven by a scripted model: every path it can take."""

from __future__ import annotations

import pytest

from phase2_dumb_loop.tasks import TASKS
from shared.code_loop.loop import solve
from shared.code_loop.prompts import NO_CODE_NUDGE, error_message, error_tail, hint_for
from shared.llm import BackendUnavailable, ScriptedBackend
from shared.trajectory import read_trajectory

GOOD = "```python\nfor i in range(1, 11):\n    print(i)\n```"
BROKEN = "```python\nfor i in range(1, 11)\n    print(i)\n```"  # missing colon
CRASHING = "```python\nprint(undefined_name)\n```"


def kinds(path):
    return [e["kind"] for e in read_trajectory(path)]


def test_success_on_the_first_try(tmp_path):
    llm = ScriptedBackend([GOOD])
    result = solve("Print the numbers 1 to 10", llm, trajectory_path=tmp_path / "t.jsonl")
    assert result.success and result.attempts == 1 and result.stop_reason == "success"
    assert result.final_code == "for i in range(1, 11):\n    print(i)"
    assert result.stdout.split() == [str(i) for i in range(1, 11)]
    assert result.tokens > 0 and result.seconds > 0
    assert TASKS["print_1_to_10"].check(result.stdout)
    assert len(llm.calls) == 1
    assert llm.calls[0]["options"]["temperature"] == 0.0
    assert llm.calls[0]["options"]["stop"] == ["\n```\n\n"]


def test_fix_after_an_error_feeds_back_the_traceback(tmp_path):
    llm = ScriptedBackend([CRASHING, GOOD])
    result = solve("Print the numbers 1 to 10", llm, trajectory_path=tmp_path / "t.jsonl")
    assert result.success and result.attempts == 2
    feedback = llm.calls[1]["messages"][-1]
    assert feedback["role"] == "user"
    assert "NameError: name 'undefined_name' is not defined" in feedback["content"]
    assert "/tmp/" not in feedback["content"]  # workspace paths are shortened
    assert llm.calls[1]["messages"][-2] == {"role": "assistant", "content": CRASHING}
    assert not result.history[0].ok and result.history[1].ok


def test_syntax_error_is_fed_back_too(tmp_path):
    llm = ScriptedBackend([BROKEN, GOOD])
    result = solve("Print the numbers 1 to 10", llm, trajectory_path=tmp_path / "t.jsonl")
    assert result.success and result.attempts == 2
    assert "SyntaxError" in llm.calls[1]["messages"][-1]["content"]


def test_reply_without_code_gets_a_format_nudge(tmp_path):
    llm = ScriptedBackend(["I would loop from one to ten and print each number.", GOOD])
    result = solve("Print the numbers 1 to 10", llm, trajectory_path=tmp_path / "t.jsonl")
    assert result.success and result.attempts == 2
    assert llm.calls[1]["messages"][-1] == {"role": "user", "content": NO_CODE_NUDGE}
    assert result.history[0].code is None and result.history[0].run is None


def test_retry_limit_reached(tmp_path):
    llm = ScriptedBackend([CRASHING] * 3)
    result = solve("Print the numbers 1 to 10", llm, max_attempts=3,
                   trajectory_path=tmp_path / "t.jsonl")
    assert not result.success
    assert result.attempts == 3 and result.stop_reason == "retry limit"
    assert len(llm.calls) == 3
    assert result.final_code == "print(undefined_name)"
    events = kinds(result.trajectory)
    assert events.count("feedback") == 1 and events.count("restart") == 2  # same code again


def test_model_error_ends_the_loop_cleanly(tmp_path):
    llm = ScriptedBackend([BackendUnavailable("connection refused", "start Ollama")])
    result = solve("Print the numbers 1 to 10", llm, trajectory_path=tmp_path / "t.jsonl")
    assert not result.success and result.attempts == 0
    assert result.stop_reason.startswith("llm error")
    assert "llm_error" in kinds(result.trajectory)


def test_runaway_program_is_stopped_and_reported(tmp_path):
    llm = ScriptedBackend(["```python\nwhile True:\n    pass\n```", GOOD])
    result = solve("Print the numbers 1 to 10", llm, timeout_s=1.0,
                   trajectory_path=tmp_path / "t.jsonl")
    assert result.success and result.attempts == 2
    assert result.history[0].run.timed_out
    assert "time limit" in llm.calls[1]["messages"][-1]["content"]


def test_task_files_are_in_every_fresh_workspace(tmp_path):
    task = TASKS["csv_summary"]
    program = ("import csv\nfrom collections import defaultdict\n"
               "totals = defaultdict(float)\n"
               "for row in csv.DictReader(open('sales.csv')):\n"
               "    totals[row['product']] += float(row['amount'])\n"
               "for product, total in totals.items():\n"
               "    print(f'{product}: {total}')\n")
    llm = ScriptedBackend(["```python\nopen('sales.csv', 'a').write('x')\nraise SystemExit(1)\n```",
                           f"```python\n{program}```"])
    result = solve(task.prompt, llm, files=task.files, workspace_root=tmp_path / "ws",
                   trajectory_path=tmp_path / "t.jsonl")
    assert result.success and task.check(result.stdout)
    first, second = (a.run.workspace for a in result.history)
    assert first != second  # the second attempt did not see the first one's changes
    assert (second / "sales.csv").read_text() == task.files["sales.csv"]
    assert "sales.csv" in llm.calls[0]["messages"][1]["content"]


def test_bytes_files_are_copied_byte_for_byte(tmp_path):
    data = bytes(range(256))  # not valid UTF-8: a copy of any file the learner hands over
    llm = ScriptedBackend(["```python\nprint(open('data.bin', 'rb').read() == bytes(range(256)))\n```"])
    result = solve("Check data.bin", llm, files={"data.bin": data, "note.txt": "héllo"},
                   trajectory_path=tmp_path / "t.jsonl")
    assert result.success and result.stdout.strip() == "True"
    workspace = result.final_run.workspace
    assert (workspace / "data.bin").read_bytes() == data
    assert (workspace / "note.txt").read_text(encoding="utf-8") == "héllo"


def test_missing_package_error_gets_a_hint(tmp_path):
    task = TASKS["missing_package"]
    pandas = "```python\nimport pandas as pd\nprint(pd.read_csv('scores.csv')['score'].mean())\n```"
    plain = ("```python\nimport csv\nrows = list(csv.DictReader(open('scores.csv')))\n"
             "print(sum(float(r['score']) for r in rows) / len(rows))\n```")
    llm = ScriptedBackend([pandas, plain])
    result = solve(task.prompt, llm, files=task.files, trajectory_path=tmp_path / "t.jsonl")
    feedback = llm.calls[1]["messages"][-1]["content"]
    assert "No module named 'pandas'" in feedback
    assert "standard library" in feedback
    assert result.success and task.check(result.stdout)


def test_trajectory_records_every_step(tmp_path):
    llm = ScriptedBackend(["no code here", CRASHING, GOOD])
    result = solve("Print the numbers 1 to 10", llm, trajectory_path=tmp_path / "t.jsonl")
    events = read_trajectory(result.trajectory)
    assert events[0]["kind"] == "start" and events[0]["meta"]["task"] == "Print the numbers 1 to 10"
    assert events[-1]["kind"] == "end"
    assert [e["kind"] for e in events if e["kind"] in ("reply", "run", "feedback", "done")] == [
        "reply", "feedback", "reply", "run", "feedback", "reply", "run", "done"]
    assert all("t" in e for e in events)
    done = next(e for e in events if e["kind"] == "done")
    assert done["success"] is True and done["attempts"] == 3


def test_default_trajectory_goes_under_the_runs_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("AGENTLAB_RUNS", str(tmp_path / "runs"))
    result = solve("Print the numbers 1 to 10", ScriptedBackend([GOOD]))
    assert result.trajectory.parent == tmp_path / "runs" / "phase2"
    assert result.trajectory.name.endswith("-print-the-numbers-1-to-10.jsonl")


def test_events_are_shown_as_they_happen(tmp_path):
    seen = []
    solve("Print the numbers 1 to 10", ScriptedBackend([CRASHING, GOOD]),
          trajectory_path=tmp_path / "t.jsonl", on_event=lambda kind, fields: seen.append(kind))
    assert seen[-1] == "done" and seen.count("reply") == 2 and seen.count("run") == 2


def test_error_tail_keeps_the_end_of_megabytes():
    stderr = "noise line\n" * 100_000 + "Traceback (most recent call last):\nValueError: boom\n"
    tail = error_tail(stderr)
    assert tail.endswith("ValueError: boom") and len(tail) <= 1500
    message = error_message(stderr, returncode=1)
    assert len(message) < 2500 and "exit code 1" in message


@pytest.mark.parametrize("error,expected", [
    ("ModuleNotFoundError: No module named 'requests'", "'requests' is not installed"),
    ("OSError: [Errno 101] Network is unreachable", "no network"),
    ("FileNotFoundError: [Errno 2] No such file or directory: 'data.csv'", "'data.csv' does not"),
    ("TypeError: object of type 'DictReader' has no len()", "sum(values) / len(values)"),
    ("ValueError: invalid literal for int() with base 10: '92.5'", "'92.5' is not a whole number"),
    ("ZeroDivisionError: division by zero", ""),
])
def test_hints_for_well_known_errors(error, expected):
    hint = hint_for(error)
    assert (expected in hint) if expected else hint == ""


def test_a_repeated_program_restarts_the_conversation_hotter(tmp_path):
    llm = ScriptedBackend([CRASHING, CRASHING, GOOD])
    result = solve("Print the numbers 1 to 10", llm, trajectory_path=tmp_path / "t.jsonl")
    assert result.success and result.attempts == 3
    assert len(llm.calls[1]["messages"]) == 4  # system, task, reply, error
    restarted = llm.calls[2]["messages"]
    assert [m["role"] for m in restarted] == ["system", "user"]  # the old answers are gone
    assert restarted[1]["content"].startswith("Task: Print the numbers 1 to 10")
    assert "NameError" in restarted[1]["content"] and "different program" in restarted[1]["content"]
    temperatures = [call["options"]["temperature"] for call in llm.calls]
    assert temperatures[0] == temperatures[1] == 0.0 and temperatures[2] > 0.0
    seeds = [call["options"]["seed"] for call in llm.calls]
    assert len(set(seeds)) == 3  # each attempt its own (reproducible) seed
    assert "restart" in kinds(result.trajectory)


def test_a_fix_that_ends_in_the_same_error_also_restarts(tmp_path):
    other_crash = "```python\nx = 1\nprint(undefined_name)\n```"  # new code, same NameError
    llm = ScriptedBackend([CRASHING, other_crash, GOOD])
    result = solve("Print the numbers 1 to 10", llm, trajectory_path=tmp_path / "t.jsonl")
    assert result.success and result.attempts == 3
    assert [m["role"] for m in llm.calls[2]["messages"]] == ["system", "user"]
    assert llm.calls[2]["options"]["temperature"] > 0.0
