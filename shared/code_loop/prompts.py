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
{hint}Fix the program. Reply with the whole corrected program in one ```python code block."""

# When the model sends a program it already sent, the conversation so far holds it back: it
# copies its own earlier answer. So we start over: the task again, with what went wrong.
RESTART_TEMPLATE = """{task}
Earlier programs for this task failed with these errors:
{errors}
{hints}Write a new, different program. Reply with the whole program in one ```python code block."""

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
     "'{0}' is not a number: it is the header, the first row of the CSV file. Skip it: call "
     "next(reader) once before the loop, or read the rows with csv.DictReader.\n"),
    (re.compile(r"'(DictReader|reader)' object is not subscriptable"
                r"|object of type '(DictReader|reader)' has no len\(\)"),
     "A csv reader is not a table: loop over its rows and collect the values in a list, e.g. "
     "values = [float(row['column']) for row in csv.DictReader(f)], then use "
     "sum(values) / len(values).\n"),
    (re.compile(r"invalid literal for int\(\) with base 10: '([^']*)'"),
     "'{0}' is not a whole number: convert with float() instead of int().\n"),
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


def last_error(stderr: str) -> str:
    """The last non-empty line of an error output (for a traceback: the exception itself)."""
    lines = [line.strip() for line in stderr.strip().split("\n") if line.strip()]
    return lines[-1] if lines else ""


def hint_for(error: str) -> str:
    """One sentence of advice for a well-known error, or ''."""
    for pattern, hint in HINTS:
        match = pattern.search(error)
        if match:
            return hint.format(*match.groups())
    return ""


def _useful_error(stderr: str, stdout: str, workspace: str) -> str:
    error = stderr
    if workspace:
        error = error.replace(workspace.rstrip("/") + "/", "")
    return error_tail(error) or error_tail(stdout) or "(no error output)"


def error_message(stderr: str, stdout: str = "", returncode: int | None = None,
                  workspace: str = "") -> str:
    """The feedback turn after a failed run: the tail of stderr (workspace paths shortened),
    a hint for a well-known error, and the instruction to send the whole program again."""
    tail = _useful_error(stderr, stdout, workspace)
    how = f" (exit code {returncode})" if returncode not in (None, 0) else ""
    return ERROR_TEMPLATE.format(how=how, error=tail, hint=hint_for(tail))


def restart_message(task: str, files: list[str] | None, errors: list[str]) -> str:
    """The first user message of a fresh conversation: the task, and every error seen so far
    (the last line of each, once) with their hints, so that no lesson learnt is lost."""
    first = task_message(task, files).rsplit("\nWrite the complete", 1)[0]
    distinct = list(dict.fromkeys(e for e in errors if e))
    hints = "".join(dict.fromkeys(hint_for(e) for e in distinct))
    listed = "\n".join(f"- {e}" for e in distinct) or "- (no error output)"
    return RESTART_TEMPLATE.format(task=first, errors=listed, hints=hints)
