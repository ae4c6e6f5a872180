"""Command line: give the loop a task and watch every attempt as it happens.

    .venv/bin/python -m phase2_dumb_loop "Print the numbers 1 to 10"
    .venv/bin/python -m phase2_dumb_loop --task=csv_summary     # one of the fixtures in tasks.py
    .venv/bin/python -m phase2_dumb_loop --file=numbers.csv "Print the sum of numbers.csv"
    .venv/bin/python -m phase2_dumb_loop --max_attempts=6 --timeout=5 "Is 97 prime?"

The loop stops at the first program that exits with code 0. For a task of your own nothing
checks that its output is right: the summary says so, and warns when the output looks like an
error message the program caught itself.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from phase2_dumb_loop.tasks import TASKS, Task
from shared.cli import run_main
from shared.code_loop.loop import MAX_ATTEMPTS, MAX_TOKENS, TIMEOUT_S, LoopResult, solve
from shared.errors import AgentlabError
from shared.llm import get_llm

RULE = "-" * 72
# Lines that look like an error message: a traceback, "ValueError: ...", "Error: ...", "error".
ERROR_LINE = re.compile(
    r"Traceback \(most recent call last\)|\b[A-Z]\w*Error\b|\b(?i:error|exception)\b")


class FileProblem(AgentlabError):
    """A --file that cannot be handed to the program."""


def indent(text: str, limit: int = 40) -> str:
    """Show at most `limit` lines, indented, with a note of how many were left out."""
    lines = text.rstrip("\n").split("\n")
    shown = lines[:limit] + ([f"... ({len(lines) - limit} more lines)"] if len(lines) > limit else [])
    return "\n".join("    " + line for line in shown)


def show(kind: str, fields: dict[str, Any]) -> None:
    """Print one loop event as it happens."""
    if kind == "reply":
        print(f"\n{RULE}\nattempt {fields['attempt']}: the model replied "
              f"({fields['tokens']} tokens, {fields['seconds']:.1f} s)")
    elif kind == "code":
        if fields["code"] is None:
            print("  no Python code found in the reply")
        else:
            print("  code:\n" + indent(fields["code"]))
    elif kind == "run":
        state = "timed out" if fields["timed_out"] else f"exit code {fields['returncode']}"
        print(f"  ran in the sandbox ({fields['isolation']}): {state}, {fields['seconds']:.2f} s")
        if fields["stdout"].strip():
            print("  stdout:\n" + indent(fields["stdout"], 20))
        if fields["stderr"].strip():
            print("  stderr:\n" + indent(fields["stderr"], 20))
    elif kind == "feedback":
        print("  sent back:\n" + indent(fields["content"], 20))
    elif kind == "llm_error":
        print(f"  the model call failed: {fields['error']}")
    sys.stdout.flush()


def read_files(paths: list[str], taken: dict[str, str | bytes]) -> dict[str, str | bytes]:
    """Each --file as name -> bytes, to be copied into every attempt's workspace, after the
    files the task already brings (`taken`). Raises FileProblem."""
    files = dict(taken)
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            raise FileProblem(f"--file={given} is a folder: give the files in it one by one "
                              "(--file=a.csv --file=b.csv).")
        if not path.is_file():
            raise FileProblem(f"--file={given}: there is no such file; check the path "
                              "(it is relative to the folder you run the command in).")
        if path.name in files:
            raise FileProblem(f"two files are named {path.name!r} (--file={given}); the program "
                              "opens files by name, so rename one of them.")
        try:
            files[path.name] = path.read_bytes()
        except OSError as err:
            raise FileProblem(f"--file={given} could not be read ({err.strerror}).") from None
    return files


def error_looking_line(text: str) -> str | None:
    """The first line of `text` that looks like an error message, or None."""
    return next((line.strip() for line in text.splitlines() if ERROR_LINE.search(line)), None)


def summary(result: LoopResult, fixture: Task | None) -> list[str]:
    """What happened, what was checked and what was not, in plain lines."""
    head = f"{result.attempts} attempt(s), {result.seconds:.1f} s, {result.tokens} tokens"
    if not result.success:
        return [f"GAVE UP ({result.stop_reason}): {head}"]
    lines = [f"RAN: the program exited with code 0 after {head}"]
    run = result.final_run
    if fixture is not None:
        right = fixture.check(result.stdout)
        lines.append(f"Output check: {'right' if right else 'wrong'} (expected {fixture.expect})")
        if right:
            return lines
    else:
        lines.append("Checked: the exit code only; the output was not checked against an "
                     "expected answer (read it above).")
    suspect = (error_looking_line(run.stdout) or error_looking_line(run.stderr)) if run else None
    if suspect:
        lines.append("Warning: a line of the output looks like an error message "
                     f'("{suspect[:100]}"); the program may have caught its own error and '
                     "still exited with code 0.")
    elif run is not None and not run.stdout.strip():
        lines.append("Warning: the program printed nothing.")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=".venv/bin/python -m phase2_dumb_loop",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", nargs="?", help="the task in plain English")
    parser.add_argument("--task", dest="fixture", choices=sorted(TASKS),
                        help="run one of the fixture tasks (with its files and check)")
    parser.add_argument("--file", dest="files", action="append", default=[], metavar="PATH",
                        help="a file the program may open by its name (repeat for several)")
    parser.add_argument("--max_attempts", type=int, default=MAX_ATTEMPTS)
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds per run")
    parser.add_argument("--max_tokens", type=int, default=MAX_TOKENS)
    args = parser.parse_args(argv)
    if not args.task and not args.fixture:
        parser.error('give a task, e.g. "Print the numbers 1 to 10", or --task=NAME')

    fixture = TASKS[args.fixture] if args.fixture else None
    task = args.task or fixture.prompt  # type: ignore[union-attr]
    files = read_files(args.files, fixture.files if fixture else {})
    llm = get_llm()  # a backend that cannot be set up is an LLMError: run_main prints it
    print(f"Task: {task}")
    if files:
        print(f"Files copied into each attempt's workspace: {', '.join(sorted(files))}")
    result = solve(task, llm, files=files, max_attempts=args.max_attempts,
                   timeout_s=args.timeout, max_tokens=args.max_tokens, on_event=show,
                   label=fixture.name if fixture else "")
    print(f"\n{RULE}")
    print("\n".join(summary(result, fixture)))
    print(f"Trajectory: {result.trajectory}")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(run_main(main))
