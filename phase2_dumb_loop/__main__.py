"""Command line: give the loop a task and watch every attempt as it happens.

    python -m phase2_dumb_loop "Print the numbers 1 to 10"
    python -m phase2_dumb_loop --task=csv_summary          # one of the fixtures in tasks.py
    python -m phase2_dumb_loop --max_attempts=6 --timeout=5 "Is 97 prime?"
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from phase2_dumb_loop.loop import MAX_ATTEMPTS, MAX_TOKENS, TIMEOUT_S, solve
from phase2_dumb_loop.tasks import TASKS
from shared.llm import LLMError, get_llm

RULE = "-" * 72


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m phase2_dumb_loop", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", nargs="?", help="the task in plain English")
    parser.add_argument("--task", dest="fixture", choices=sorted(TASKS),
                        help="run one of the fixture tasks (with its files and check)")
    parser.add_argument("--max_attempts", type=int, default=MAX_ATTEMPTS)
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds per run")
    parser.add_argument("--max_tokens", type=int, default=MAX_TOKENS)
    args = parser.parse_args(argv)
    if not args.task and not args.fixture:
        parser.error('give a task, e.g. "Print the numbers 1 to 10", or --task=NAME')

    fixture = TASKS[args.fixture] if args.fixture else None
    task = args.task or fixture.prompt  # type: ignore[union-attr]
    try:
        llm = get_llm()
    except LLMError as err:
        print(f"Could not set up the model: {err}")
        return 2
    print(f"Task: {task}")
    result = solve(task, llm, files=fixture.files if fixture else None,
                   max_attempts=args.max_attempts, timeout_s=args.timeout,
                   max_tokens=args.max_tokens, on_event=show,
                   label=fixture.name if fixture else "")
    print(f"\n{RULE}")
    verdict = "SUCCESS" if result.success else f"GAVE UP ({result.stop_reason})"
    print(f"{verdict}: {result.attempts} attempt(s), {result.seconds:.1f} s, "
          f"{result.tokens} tokens")
    if fixture is not None:
        right = fixture.check(result.stdout)
        print(f"Output check: {'right' if right else 'wrong'} (expected {fixture.expect})")
    print(f"Trajectory: {result.trajectory}")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
