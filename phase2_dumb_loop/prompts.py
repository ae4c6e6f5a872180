"""The words the loop sends to the model: a system prompt, the task, and the feedback turns.

Small models follow short, concrete instructions best. Each template says exactly one thing
the model must do next and repeats the output format, because a 0.5B model forgets it.
"""

from __future__ import annotations

import re

SYSTEM_PROMPT = """\
You are a careful Python programmer. You write one complete Python 3 program that does the \
user's task and prints the result.
Rules:
- Reply with the whole program in one ```python code block.
- The program runs as a script in a folder that holds the task's files; it reads no input.
- It has no internet access and only the Python standard library (no pip installs).
- Print the answer with print().
- Keep it short: no comments, no explanations after the code."""

TASK_TEMPLATE = """\
Task: {task}
{files}
Write the complete Python program in one ```python code block."""

FILES_TEMPLATE = "Files in the current folder: {names}.\n"

ERROR_TEMPLATE = """\
The program failed{how}. Here is the end of its error output:
```
{error}
```
{hint}{repeat}Fix the program. Reply with the whole corrected program in one ```python code block."""

REPEAT_NOTE = ("This is the same program you sent before, and it fails the same way. "
               "Write a different program.\n")

NO_CODE_NUDGE = """\
I could not find a Python program in your reply. Reply with the complete program in one \
```python code block, like this:
```python
print("hello")
```"""

# Errors a small model meets again and again, with the sentence that gets it unstuck.
HINTS = [
    (re.compile(r"No module named '([\w.]+)'"),
     "The module '{0}' is not installed and cannot be installed here. Do not import {0}: "
     "use only the Python standard library (for CSV files: the csv module).\n"),
    (re.compile(r"object has no attribute 'next'"),
     "In Python 3 there is no .next() method: call next(iterator) instead.\n"),
    (re.compile(r"(Network is unreachable|Name or service not known|Temporary failure in name "
                r"resolution|Connection refused|NewConnectionError|URLError)"),
     "There is no network access here: do not download anything; if the task needs the "
     "internet, print a short message saying it is not available.\n"),
    (re.compile(r"FileNotFoundError: .*'([^']+)'"),
     "The file '{0}' does not exist in the current folder; use the files listed in the task.\n"),
    (re.compile(r"could not convert string to float: '([^']*)'"),
     "'{0}' is not a number: if it is the first row of a CSV file, that row is the header "
     "(skip it, or read the file with csv.DictReader).\n"),
    (re.compile(r"time limit"),
     "The program must finish by itself in a few seconds and must not wait for input.\n"),
]


def task_message(task: str, files: list[str] | None = None) -> str:
    """The first user message: the task, and the names of the files it may read."""
    listed = FILES_TEMPLATE.format(names=", ".join(files)) if files else ""
    return TASK_TEMPLATE.format(task=task.strip(), files=listed)


def error_tail(stderr: str, max_lines: int = 15, max_chars: int = 1500) -> str:
    """The useful end of an error output: the last lines (a traceback ends with the error),
    at most max_chars characters."""
    lines = [line for line in stderr.rstrip().split("\n") if line.strip()]
    tail = "\n".join(lines[-max_lines:])
    return tail[-max_chars:]


def hint_for(error: str) -> str:
    """One sentence of advice for a well-known error, or ''."""
    for pattern, hint in HINTS:
        match = pattern.search(error)
        if match:
            return hint.format(*match.groups())
    return ""


def error_message(stderr: str, stdout: str = "", returncode: int | None = None,
                  workspace: str = "", repeated: bool = False) -> str:
    """The feedback turn after a failed run: the tail of stderr (workspace paths shortened),
    a hint for a well-known error, a note when the program repeats an earlier one, and the
    instruction to send the whole program again."""
    error = stderr
    if workspace:
        error = error.replace(workspace.rstrip("/") + "/", "")
    tail = error_tail(error) or error_tail(stdout) or "(no error output)"
    how = f" (exit code {returncode})" if returncode not in (None, 0) else ""
    return ERROR_TEMPLATE.format(how=how, error=tail, hint=hint_for(tail),
                                 repeat=REPEAT_NOTE if repeated else "")
