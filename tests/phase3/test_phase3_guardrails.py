"""Shell policy (deny list, allow list), approvers, repeated-call detection. The ways around
the shell policy, and its cost, are in test_shell_policy.py."""

from __future__ import annotations

import pytest

from phase3_tools.tasks import build_registry
from shared.agent.guardrails import (
    RepeatDetector,
    ShellPolicy,
    approve_all,
    ask_in_terminal,
    deny_risky,
)


@pytest.mark.parametrize("command", [
    "rm -rf /", "rm -f notes.txt", "sudo ls", "curl http://x", "wget x", "pip install requests",
    "cat /etc/passwd", "ls ~/", "echo hi > /dev/sda", ":(){ :|:& };:", "git push origin main",
    "ls && rm -rf .", "chmod 777 a.py", "kill -9 1",
])
def test_deny_list(command):
    assert ShellPolicy().check(command).decision == "deny"


@pytest.mark.parametrize("command", [
    "python sandbox/broken.py", "ls -la", "wc -l app/main.py app/util.py", "python -m pytest -q",
    "cat a.txt | grep x | sort", "/usr/bin/python3 a.py", "python a.py 2>&1 | tail -5",
])
def test_allow_list(command):
    assert ShellPolicy().check(command).decision == "allow"


@pytest.mark.parametrize("command", ["mv a b", "node x.js", "ls; make", "FOO=1 python a.py"])
def test_everything_else_is_risky(command):
    assert ShellPolicy().check(command).decision == "ask"


def test_approvers():
    assert approve_all("run_shell", {"command": "mv a b"}, "risky")
    assert not deny_risky("run_shell", {"command": "mv a b"}, "risky")
    asked = []
    assert ask_in_terminal("run_shell", {"command": "mv a b"}, "risky",
                           ask=lambda q: asked.append(q) or "y")
    assert "mv a b" in asked[0]
    assert not ask_in_terminal("run_shell", {}, "risky", ask=lambda q: "")

    def no_terminal(question):
        raise EOFError

    assert not ask_in_terminal("run_shell", {}, "risky", ask=no_terminal)


def test_approval_decides_risky_shell_commands(workspace):
    (workspace / "a.txt").write_text("x")
    approved = build_registry(workspace, approve=approve_all)
    assert approved.run("run_shell", {"command": "mv a.txt b.txt"}).ok
    assert (workspace / "b.txt").exists()
    # deny-listed commands stay refused even when everything risky is approved
    assert approved.run("run_shell", {"command": "rm -rf b.txt"}).kind == "refused"
    assert (workspace / "b.txt").exists()


def test_repeat_detector_counts_identical_calls():
    seen = RepeatDetector()
    assert seen.seen("read_file", {"path": "a"}) == 0
    assert seen.seen("read_file", {"path": "b"}) == 0
    assert seen.seen("read_file", {"path": "a"}) == 1
    assert seen.seen("read_file", {"path": "a"}) == 2
    seen.forget()
    assert seen.seen("read_file", {"path": "a"}) == 0
