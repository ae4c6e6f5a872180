"""Reproduce first: the command a task names, found so that the agent can run it before its
first step.

    task_command("GET /users answers 500 (try `python -m service.app GET users`).")
    -> "python -m service.app GET users"

A bug report that names a command is asking you to run it: its output (a traceback, a failing
test) says where to look. Phase 4's worked examples start that way, yet measured with the 0.5B on
fix_users_500 the model's first action was an edit of a file it had never seen ("service.app"),
three runs out of three. So the agent runs the named command itself, before the model's first
reply, and the model starts from the output: a step it would otherwise skip, taken through the
same tool, guardrails and truncation as any other.
"""

from __future__ import annotations

import re

# A command in backticks that runs Python or pytest: `python -m service.app GET users`,
# `python3 report.py`, `pytest -q tests`. Other backticked text (a name, a path) is not run.
COMMAND = re.compile(r"`((?:python3?|pytest)(?: [^`\n]{1,200})?)`")
THINK = "First I run the command the task names, to see what happens."


def task_command(task: str) -> str:
    """The first command the task names in backticks, or ""."""
    match = COMMAND.search(task)
    return match.group(1).strip() if match else ""
