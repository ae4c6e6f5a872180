"""The line that points at where a traceback was raised: on a real traceback from the fixture,
through the context agent's observations, and on what is not a project traceback."""

from __future__ import annotations

import json
import time
from pathlib import Path

from phase4_context.tasks import TASKS
from shared.context import ContextAgent, ContextBudget
from shared.context.traceback_hint import raised_error, traceback_hint
from shared.llm import ScriptedBackend
from shared.tools import build_registry

RUN = {"name": "run_shell", "arguments": {"command": "python -m service.app GET users"}}
DONE = {"name": "final_answer", "arguments": {"answer": "seen"}}


def run_agent(workspace: Path, **options) -> list[str]:
    """The fixture's failing command through the context agent; the observations it got."""
    plan = iter([RUN, DONE])
    llm = ScriptedBackend(lambda messages: json.dumps({"think": "next", **next(plan)}))
    agent = ContextAgent(llm, build_registry(workspace), ContextBudget(4096, 700), "combined",
                         workspace=workspace, **options)
    result = agent.run("GET /users answers 500", workspace.parent / "t.jsonl")
    return [o.text for o in result.observations]


def test_the_agent_is_told_the_line_the_500_comes_from(tmp_path: Path) -> None:
    workspace = TASKS["fix_users_500"].prepare(tmp_path / "ws")
    [text] = run_agent(workspace)
    assert "Traceback (most recent call last)" in text  # the real output, from the sandbox
    assert text.splitlines()[-1] == (
        "Where to look: the error (KeyError: 'email') was raised in service/users.py line 43, in "
        "public_view. read_file(path='service/users.py', start=38, end=48) shows the lines "
        "around it.")
    lines = (workspace / "service" / "users.py").read_text().splitlines()
    assert '"email": user["email"]' in lines[43 - 1]  # the line named is the faulty one
    [plain] = run_agent(TASKS["fix_users_500"].prepare(tmp_path / "ws2"), point_at_errors=False)
    assert "Where to look" not in plain and plain in text


def test_the_last_project_frame_is_named_not_the_standard_library(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x\n" * 20)
    text = ('(exit code 1)\nstderr:\nTraceback (most recent call last):\n'
            '  File "app.py", line 3, in <module>\n    main()\n'
            '  File "app.py", line 12, in main\n    json.loads(raw)\n'
            '  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads\n'
            '    return _default_decoder.decode(s)\n'
            'json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n')
    hint = traceback_hint(text, tmp_path)
    assert "raised in app.py line 12, in main" in hint
    assert "(json.decoder.JSONDecodeError: Expecting value" in hint
    assert "start=7, end=17" in hint
    assert traceback_hint(text.replace('"app.py"', '"gone.py"'), tmp_path) == ""  # not a file here


def test_no_hint_without_a_project_traceback() -> None:
    assert traceback_hint("(exit code 0)\nstdout:\n200 {}") == ""
    library_only = ('Traceback (most recent call last):\n  File "<string>", line 1, in <module>\n'
                    '  File "/usr/lib/python3.11/os.py", line 5, in f\nOSError: no\n')
    assert traceback_hint(library_only) == ""
    assert raised_error("no traceback at all") == ""


def test_the_last_of_two_tracebacks_counts() -> None:
    text = ('Traceback (most recent call last):\n  File "a.py", line 1, in f\nKeyError: 1\n\n'
            'During handling of the above exception, another exception occurred:\n\n'
            'Traceback (most recent call last):\n  File "b.py", line 9, in g\n'
            '    raise ValueError("bad id")\nValueError: bad id\n')
    hint = traceback_hint(text)
    assert "(ValueError: bad id) was raised in b.py line 9, in g" in hint


def test_reading_a_long_output_stays_linear() -> None:
    def seconds(n: int) -> float:
        text = "Traceback (most recent call last):\n" + "\n" * n + "  File \"a.py\", line 1"
        start = time.process_time()
        traceback_hint(text)
        return time.process_time() - start

    small, large = seconds(20_000), seconds(160_000)
    assert large < 32 * max(small, 1e-3)  # 8x the input; quadratic would cost about 64x


def test_reproduce_first_runs_the_named_command_before_the_first_reply(tmp_path: Path) -> None:
    workspace = TASKS["fix_users_500"].prepare(tmp_path / "ws")
    seen: list[list[dict]] = []

    def reply(messages: list[dict]) -> str:
        seen.append([dict(m) for m in messages])
        return json.dumps({"think": "done", **DONE})

    agent = ContextAgent(ScriptedBackend(reply), build_registry(workspace), ContextBudget(4096, 700),
                         "combined", workspace=workspace, reproduce=True)
    result = agent.run(TASKS["fix_users_500"].prompt, tmp_path / "t.jsonl")
    first = seen[0]
    assert "python -m service.app GET users" in first[-2]["content"]  # the agent's own turn
    assert first[-1]["content"].startswith("Observation (error):")
    assert "Where to look: the error (KeyError: 'email')" in first[-1]["content"]
    assert result.actions[0].source == "reproduce"
    events = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    [event] = [e for e in events if e["kind"] == "reproduce"]
    assert event["command"] == "python -m service.app GET users" and event["outcome"] == "error"


def test_reproduce_first_runs_nothing_when_the_task_names_no_command() -> None:
    from shared.context.reproduce import task_command
    assert task_command("Then run `python -m pytest -q tests`.") == "python -m pytest -q tests"
    assert task_command("Fix `service/users.py` and the `user_id` checks.") == ""
    assert task_command("run `pytest`") == "pytest"
    assert task_command("no command here") == ""


def test_a_final_answer_is_refused_while_the_named_command_still_fails(tmp_path: Path) -> None:
    workspace = TASKS["fix_users_500"].prepare(tmp_path / "ws")
    fix = {"name": "edit_file", "arguments": {"path": "service/users.py",
                                              "old": '"email": user["email"],',
                                              "new": '"email": user.get("email"),'}}
    plan = iter([DONE, fix, DONE])
    seen: list[str] = []

    def reply(messages: list[dict]) -> str:
        seen.append(messages[-1]["content"])
        return json.dumps({"think": "next", **next(plan)})

    agent = ContextAgent(ScriptedBackend(reply), build_registry(workspace), ContextBudget(4096, 700),
                         "combined", workspace=workspace, reproduce=True)
    result = agent.run(TASKS["fix_users_500"].prompt, tmp_path / "t.jsonl")
    assert seen[1].startswith("Observation (refused):\nNot finished: `python -m service.app GET "
                              "users` still fails.")
    assert result.finished and result.steps == 3 and agent.finish_refusals == 1
    events = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert [e["outcome"] for e in events if e["kind"] == "finish_check"] == ["error", "ok"]


def test_the_finish_check_gives_up_refusing_so_that_the_run_ends(tmp_path: Path) -> None:
    workspace = TASKS["fix_users_500"].prepare(tmp_path / "ws")
    llm = ScriptedBackend(lambda messages: json.dumps({"think": "done", **DONE}))
    agent = ContextAgent(llm, build_registry(workspace), ContextBudget(4096, 700), "combined",
                         workspace=workspace, reproduce=True)
    result = agent.run(TASKS["fix_users_500"].prompt, tmp_path / "t.jsonl")
    assert result.finished and result.steps == 3 and agent.finish_refusals == 2


def test_the_task_lists_the_workspace_files_when_asked(tmp_path: Path) -> None:
    from shared.context.file_map import file_list

    workspace = TASKS["fix_users_500"].prepare(tmp_path / "ws")
    (workspace / "service" / "__pycache__").mkdir()
    (workspace / "service" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    (workspace / ".agent").mkdir()
    (workspace / ".agent" / "notes.txt").write_text("hidden")
    names = file_list(workspace).split(", ")
    assert "service/users.py" in names and "tests/test_service.py" in names
    assert not any("__pycache__" in n or n.startswith(".") for n in names)
    assert file_list(workspace, limit=2).endswith(f"and {len(names) - 2} more")
    seen: list[list[dict]] = []

    def reply(messages: list[dict]) -> str:
        seen.append([dict(m) for m in messages])
        return json.dumps({"think": "done", **DONE})

    for show in (True, False):
        agent = ContextAgent(ScriptedBackend(reply), build_registry(workspace),
                             ContextBudget(4096, 700), "combined", workspace=workspace,
                             show_files=show)
        agent.run("Fix it.", tmp_path / f"t{show}.jsonl")
    with_files, without = seen[0][-1]["content"], seen[1][-1]["content"]
    assert with_files.startswith("Fix it.\n\nThe files: ") and "service/users.py" in with_files
    assert without == "Fix it."
