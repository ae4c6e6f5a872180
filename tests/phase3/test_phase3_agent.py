"""The multi-step loop with a scripted model: each action format end to end, corrective
messages, repeated calls, the step limit, the trajectory file, the three tasks' checks."""

from __future__ import annotations

import json

import pytest

from phase3_tools.tasks import BROKEN_EXPECTED, TASKS, build_registry, py_line_counts, run_task
from shared.agent.action_formats import FORMATS, action_schema
from shared.agent.loop import run_agent
from shared.llm import ChatResult, ScriptedBackend, tool_call_reply
from shared.trajectory import read_trajectory

FIXTURE = TASKS["fix_broken"]
FIXED = "def average(scores):\n    return sum(scores) / len(scores)\n\n\nprint('average:', average([70, 85, 90, 95]))\n"


def as_json(name, arguments, think="ok"):
    return json.dumps({"think": think, "name": name, "arguments": arguments})


def fix_broken_script(fmt):
    """The four replies that solve fix_broken, written the way format `fmt` asks for."""
    calls = [("read_file", {"path": "sandbox/broken.py"}),
             ("write_file", {"path": "sandbox/broken.py", "content": FIXED}),
             ("run_python", {"path": "sandbox/broken.py"}),
             ("final_answer", {"answer": "scors should be scores"})]
    if fmt == "tags":
        return [f"Next step.\n<tool_call>\n{json.dumps({'name': n, 'arguments': a})}\n</tool_call>"
                for n, a in calls]
    if fmt == "native":
        return [tool_call_reply(n, a) for n, a in calls]
    return [as_json(n, a) for n, a in calls]


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_solves_fix_broken(fmt, tmp_path):
    llm = ScriptedBackend(fix_broken_script(fmt))
    run = run_task("fix_broken", llm, tmp_path / "ws", fmt)
    assert run.passed, run.detail
    assert run.result.stop_reason == "final_answer" and run.result.steps == 4
    assert run.result.valid_actions == 4 and run.result.valid_share == 1.0
    request = llm.calls[0]
    if fmt == "native":
        assert {t["function"]["name"] for t in request["tools"]} >= {"read_file", "final_answer"}
        assert llm.calls[1]["messages"][-1]["role"] == "tool"
    if fmt == "constrained":
        assert request["response_format"]["schema"] == action_schema(build_registry(tmp_path / "x"))
    if fmt == "tags":
        assert "<tool_call>" in request["messages"][0]["content"]
    events = read_trajectory(run.result.trajectory)
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("observation") == 3
    assert any(e["kind"] == "observation" and BROKEN_EXPECTED in e["text"] for e in events)


def test_native_format_reads_a_call_written_in_the_content(tmp_path):
    # Qwen2.5-Coder often answers a `tools=` request with fenced JSON in the content.
    replies = ['```json\n{"name": "list_files", "arguments": {}}\n```',
               '{"name": "final_answer", "arguments": {"answer": "listed"}}']
    result = run_agent("List the files.", ScriptedBackend(replies), build_registry(tmp_path),
                       "native", trajectory_path=tmp_path / "t.jsonl")
    assert result.finished and result.actions[0].source == "fenced"


def test_constrained_schema_allows_only_known_tools_and_their_arguments(tmp_path):
    schema = action_schema(build_registry(tmp_path))
    names = [b["properties"]["name"]["const"] for b in schema["anyOf"]]
    assert names == ["list_files", "read_file", "write_file", "edit_file", "run_python",
                     "run_shell", "final_answer"]
    write = schema["anyOf"][2]
    assert write["required"] == ["think", "name", "arguments"]
    assert write["properties"]["arguments"]["required"] == ["path", "content"]
    assert write["properties"]["arguments"]["additionalProperties"] is False
    assert list(write["properties"])[0] == "think"  # the thinking comes before the action


def test_truncated_and_malformed_replies_get_different_corrections(tmp_path):
    replies = [ChatResult(content='{"think": "writing", "name": "write_file", "arguments": {"co',
                          finish_reason="length"),
               "I will list the files now.",
               as_json("final_answer", {"answer": "done"})]
    llm = ScriptedBackend(replies)
    result = run_agent("Do it.", llm, build_registry(tmp_path), "json", max_tokens=50,
                       trajectory_path=tmp_path / "t.jsonl")
    assert result.finished and result.steps == 3 and result.valid_actions == 1
    after_truncation = llm.calls[1]["messages"][-1]["content"]
    after_malformed = llm.calls[2]["messages"][-1]["content"]
    assert "cut off" in after_truncation and "50 tokens" in after_truncation
    assert "could not be read" in after_malformed and "cut off" not in after_malformed


def test_invalid_calls_become_observations_and_the_loop_goes_on(tmp_path):
    replies = [as_json("delete_everything", {}), as_json("read_file", {"file": "a.py"}),
               as_json("final_answer", {"answer": "gave up"})]
    llm = ScriptedBackend(replies)
    result = run_agent("Do it.", llm, build_registry(tmp_path), "json",
                       trajectory_path=tmp_path / "t.jsonl")
    assert result.finished and result.valid_actions == 1
    assert [o.kind for o in result.observations] == ["invalid", "invalid"]
    assert "there is no tool named 'delete_everything'" in llm.calls[1]["messages"][-1]["content"]
    assert "path" in llm.calls[2]["messages"][-1]["content"]


def test_repeated_calls_are_refused_then_stop_the_run(tmp_path):
    same = as_json("list_files", {})
    llm = ScriptedBackend([same] * 5)
    result = run_agent("Do it.", llm, build_registry(tmp_path), "json",
                       trajectory_path=tmp_path / "t.jsonl")
    assert result.stop_reason == "repeating" and result.steps == 3
    assert [o.kind for o in result.observations] == ["ok", "refused"]
    assert "already made exactly this call" in result.observations[1].text


def test_the_same_call_after_a_change_is_not_a_repeat(tmp_path):
    (tmp_path / "a.py").write_text("print(1)\n")
    run = as_json("run_python", {"path": "a.py"})
    edit = as_json("edit_file", {"path": "a.py", "old": "print(1)", "new": "print(2)"})
    llm = ScriptedBackend([run, edit, run, as_json("final_answer", {"answer": "2"})])
    result = run_agent("Do it.", llm, build_registry(tmp_path), "json",
                       trajectory_path=tmp_path / "t.jsonl")
    assert result.finished and [o.kind for o in result.observations] == ["ok", "ok", "ok"]
    assert "2" in result.observations[2].text


def test_reading_again_after_writing_a_broken_file_is_not_a_repeat(tmp_path):
    (tmp_path / "a.py").write_text("print(1)\n")
    read = as_json("read_file", {"path": "a.py"})
    broken = as_json("write_file", {"path": "a.py", "content": "print(2\n"})
    llm = ScriptedBackend([read, broken, read, as_json("final_answer", {"answer": "x"})])
    result = run_agent("Do it.", llm, build_registry(tmp_path), "json",
                       trajectory_path=tmp_path / "t.jsonl")
    assert [o.kind for o in result.observations] == ["ok", "error", "ok"]
    assert result.observations[2].text == "print(2\n"


def test_writing_the_same_content_again_is_a_repeat(tmp_path):
    write = as_json("write_file", {"path": "r.txt", "content": "same"})
    run = as_json("run_python", {"path": "r.py"})  # fails: there is no r.py
    llm = ScriptedBackend([write, run] * 4)
    result = run_agent("Do it.", llm, build_registry(tmp_path), "json",
                       trajectory_path=tmp_path / "t.jsonl")
    # the first write created the file (a change); the second changed nothing, so from then on
    # the same two calls are refused, and the third time the run stops
    assert result.stop_reason == "repeating" and result.steps == 6
    assert [o.kind for o in result.observations] == ["ok", "error", "ok", "refused", "refused"]


def test_the_demonstration_comes_before_the_task(tmp_path):
    llm = ScriptedBackend([as_json("final_answer", {"answer": "x"})] * 2)
    run_agent("My task.", llm, build_registry(tmp_path), "json", trajectory_path=tmp_path / "t.jsonl")
    messages = llm.calls[0]["messages"]
    assert "demo/greet.py" in messages[1]["content"] and messages[-1]["content"] == "My task."
    assert any('"edit_file"' in m["content"] for m in messages if m["role"] == "assistant")
    assert any('"write_file"' in m["content"] for m in messages if m["role"] == "assistant")
    run_agent("My task.", llm, build_registry(tmp_path), "json", demonstrate=False,
              trajectory_path=tmp_path / "t2.jsonl")
    assert [m["role"] for m in llm.calls[1]["messages"]] == ["system", "user"]


def test_step_limit(tmp_path):
    llm = ScriptedBackend(lambda messages: as_json("read_file", {"path": f"f{len(messages)}.txt"}))
    result = run_agent("Do it.", llm, build_registry(tmp_path), "json", max_steps=4,
                       trajectory_path=tmp_path / "t.jsonl")
    assert result.stop_reason == "step_limit" and result.steps == 4 and not result.finished


def test_llm_errors_end_the_run_cleanly(tmp_path):
    from shared.llm import LLMTimeout

    result = run_agent("Do it.", ScriptedBackend([LLMTimeout("too slow", "wait")]),
                       build_registry(tmp_path), "json", trajectory_path=tmp_path / "t.jsonl")
    assert result.stop_reason == "llm_error" and "too slow" in result.answer


def test_line_report_task_and_its_check(tmp_path):
    counts = py_line_counts(tmp_path)
    report = "\n".join(f"{path}: {n}" for path, n in counts.items()) + "\n"
    replies = [as_json("list_files", {}), as_json("run_shell", {"command": "wc -l app/main.py"}),
               as_json("write_file", {"path": "report.txt", "content": report}),
               as_json("final_answer", {"answer": "written"})]
    run = run_task("line_report", ScriptedBackend(replies), tmp_path / "ws", "json")
    assert run.passed, run.detail
    assert counts == {"app/main.py": 12, "app/util.py": 5, "build.py": 3}
    wrong = run_task("line_report", ScriptedBackend(
        [as_json("write_file", {"path": "report.txt", "content": "app/main.py: 11\n"}),
         as_json("final_answer", {"answer": "x"})]), tmp_path / "ws2", "json")
    assert not wrong.passed and "main.py: 12" in wrong.detail


def test_function_and_tests_task_and_its_check(tmp_path):
    code = "def is_palindrome(text):\n    t = text.lower()\n    return t == t[::-1]\n"
    tests = ("from palindrome import is_palindrome\n\n\ndef test_yes():\n"
             "    assert is_palindrome('Racecar')\n")
    replies = [as_json("write_file", {"path": "palindrome.py", "content": code}),
               as_json("write_file", {"path": "test_palindrome.py", "content": tests}),
               as_json("run_shell", {"command": "python -m pytest -q test_palindrome.py"}),
               as_json("final_answer", {"answer": "done"})]
    run = run_task("function_and_tests", ScriptedBackend(replies), tmp_path / "ws", "json")
    assert run.passed, run.detail
    assert "1 passed" in run.result.observations[2].text
    wrong = run_task("function_and_tests", ScriptedBackend(
        [as_json("write_file", {"path": "palindrome.py", "content": "def is_palindrome(t):\n    return True\n"}),
         as_json("final_answer", {"answer": "x"})]), tmp_path / "ws2", "json")
    assert not wrong.passed and "wrong" in wrong.detail


def test_the_broken_fixture_really_is_broken(tmp_path):
    run = run_task("fix_broken", ScriptedBackend([as_json("final_answer", {"answer": "nothing"})]),
                   tmp_path / "ws", "json")
    assert not run.passed and "NameError" in run.detail
