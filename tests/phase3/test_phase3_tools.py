"""Tools as plain functions: schema from the signature and docstring, validation, observations,
confinement to the workspace, truncation, lint on edit, the sandboxed runners."""

from __future__ import annotations

import os
from typing import Literal

import pytest

from shared.agent.paths import PathRefused, inside_workspace
from shared.agent.registry import MAX_OBSERVATION_CHARS, ToolRegistry, truncate
from shared.agent.tool_schema import parse_docstring, tool_schema


def scale(values: list[float], factor: float = 2.0, mode: Literal["up", "down"] = "up") -> list[float]:
    """Scale numbers by a factor.

    Args:
        values: the numbers to scale.
        factor: what to multiply by
            (a float).
        mode: which way.
    """
    return [v * factor if mode == "up" else v / factor for v in values]


def test_schema_comes_from_signature_and_docstring():
    schema = tool_schema(scale)
    assert schema["name"] == "scale"
    assert schema["description"] == "Scale numbers by a factor."
    props = schema["parameters"]["properties"]
    assert props["values"]["type"] == "array" and props["values"]["items"]["type"] == "number"
    assert props["factor"]["default"] == 2.0
    assert props["factor"]["description"] == "what to multiply by (a float)."
    assert props["mode"]["enum"] == ["up", "down"]
    assert schema["parameters"]["required"] == ["values"]


def test_parse_docstring_stops_at_the_next_section():
    summary, args = parse_docstring("Do it.\n\nArgs:\n    x: the x.\n\nReturns:\n    y: not an arg.\n")
    assert summary == "Do it." and args == {"x": "the x."}


def test_registry_validates_and_turns_every_outcome_into_an_observation():
    def boom(x: int) -> str:
        """Fail."""
        raise RuntimeError("kaput")

    registry = ToolRegistry([scale, boom])
    assert registry.names == ["scale", "boom"]
    assert registry.schemas()[0]["type"] == "function"
    assert "scale(values: array, factor: number (optional)" in registry.describe()
    assert registry.run("scale", {"values": [1, 2]}).text == "[2.0, 4.0]"
    unknown = registry.run("nope", {})
    assert unknown.kind == "invalid" and "scale" in unknown.text
    wrong = registry.run("scale", {"values": "abc", "extra": 1})
    assert wrong.kind == "invalid" and "values" in wrong.text and "extra" in wrong.text
    assert registry.run("scale", ["not", "a", "dict"]).kind == "invalid"
    crashed = registry.run("boom", {"x": 1})
    assert crashed.kind == "error" and "kaput" in crashed.text


def test_long_outputs_are_truncated_with_a_note():
    text = "x" * 10_000
    short = truncate(text)
    assert len(short) < MAX_OBSERVATION_CHARS + 100 and "characters cut" in short


@pytest.mark.parametrize("path", ["../../etc/passwd", "../outside.txt", "/etc/passwd",
                                  "sub/../../x", "/tmp", ""])
def test_paths_that_leave_the_workspace_are_refused(workspace, path):
    with pytest.raises(PathRefused):
        inside_workspace(workspace, path)


def test_paths_inside_are_resolved(workspace):
    assert inside_workspace(workspace, "a/b.txt") == workspace.resolve() / "a" / "b.txt"
    assert inside_workspace(workspace, str(workspace / "c.txt")) == workspace.resolve() / "c.txt"


def test_file_tools_refuse_escapes_with_a_clear_observation(registry, workspace, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    os.symlink(secret, workspace / "link.txt")
    os.symlink(tmp_path, workspace / "linkdir")
    for name, args in [("read_file", {"path": "../../etc/passwd"}),
                       ("read_file", {"path": "/etc/passwd"}),
                       ("read_file", {"path": "link.txt"}),
                       ("write_file", {"path": "linkdir/evil.txt", "content": "x"}),
                       ("write_file", {"path": "../evil.txt", "content": "x"}),
                       ("list_files", {"path": "/"}),
                       ("run_python", {"path": "../secret.py"})]:
        observation = registry.run(name, args)
        assert observation.kind == "error", (name, args)
        assert "refused" in observation.text and "top secret" not in observation.text
    assert not (tmp_path / "evil.txt").exists()


def test_write_read_list(registry, workspace):
    assert registry.run("write_file", {"path": "notes/a.txt", "content": "hello\n"}).ok
    assert registry.run("read_file", {"path": "notes/a.txt"}).text == "hello\n"
    assert "notes/a.txt (6 bytes)" in registry.run("list_files", {}).text
    for root_name in ("workspace", "/workspace"):  # what small models call the root
        assert "notes/a.txt" in registry.run("list_files", {"path": root_name}).text
    missing = registry.run("read_file", {"path": "nope.txt"})
    assert missing.kind == "error" and "list_files" in missing.text


def test_edit_file_replaces_one_piece_of_text(registry, workspace):
    (workspace / "a.py").write_text("def f():\n    return 1 + x\n")
    assert registry.run("edit_file", {"path": "a.py", "old": "    return 1 + x",
                                      "new": "    return 1 + 2"}).ok
    assert (workspace / "a.py").read_text() == "def f():\n    return 1 + 2\n"
    # the model's indentation was off: still one match once stripped
    assert registry.run("edit_file", {"path": "a.py", "old": "return 1 + 2", "new": "return 3"}).ok
    assert "not found" in registry.run("edit_file", {"path": "a.py", "old": "zzz", "new": "y"}).text
    (workspace / "b.py").write_text("x = 1\nx = 1\n")
    assert "2 times" in registry.run("edit_file", {"path": "b.py", "old": "x = 1", "new": "y"}).text
    broken = registry.run("edit_file", {"path": "a.py", "old": "return 3", "new": "return (3"})
    assert broken.kind == "error" and "does not compile" in broken.text
    assert registry.run("edit_file", {"path": "../a.py", "old": "x", "new": "y"}).kind == "error"
    same = registry.run("edit_file", {"path": "b.py", "old": "x = 1\nx = 1", "new": "x = 1\nx = 1"})
    assert same.kind == "error" and "nothing would change" in same.text
    missing = registry.run("edit_file", {"path": "new.py", "old": "a", "new": "b"})
    assert missing.kind == "error" and "write_file" in missing.text


def test_writing_python_that_does_not_compile_reports_the_syntax_error(registry, workspace):
    observation = registry.run("write_file", {"path": "bad.py", "content": "def f(:\n    pass\n"})
    assert observation.kind == "error"
    assert "does not compile" in observation.text and "line 1" in observation.text
    assert (workspace / "bad.py").exists()  # written, and the model is told to fix it
    assert registry.run("write_file", {"path": "good.py", "content": "x = 1\n"}).ok


def test_run_python_runs_code_and_files_in_the_workspace(registry, workspace):
    (workspace / "hello.py").write_text("print('hi from a file')\n")
    assert "hi from a file" in registry.run("run_python", {"path": "hello.py"}).text
    code = registry.run("run_python", {"code": "import os; print(sorted(os.listdir('.')))"})
    assert code.ok and "hello.py" in code.text
    failed = registry.run("run_python", {"code": "1/0"})
    assert failed.kind == "error" and "ZeroDivisionError" in failed.text
    assert registry.run("run_python", {}).kind == "error"
    assert not (workspace / "_agent_snippet.py").exists()


def test_run_shell_follows_the_policy(registry, workspace):
    (workspace / "a.py").write_text("print(6 * 7)\n")
    assert "42" in registry.run("run_shell", {"command": "python a.py"}).text
    assert registry.run("run_shell", {"command": "rm -rf /"}).kind == "refused"
    assert registry.run("run_shell", {"command": "curl http://example.com"}).kind == "refused"
    # not on the allow list: risky, and the registry's default approver (deny-risky) says no
    risky = registry.run("run_shell", {"command": "mv a.py b.py"})
    assert risky.kind == "refused" and "not approved" in risky.text
    assert (workspace / "a.py").exists()
