"""The `run_tests` tool: pytest in the workspace, inside the sandbox, read back as a summary.

    summary = run_pytest(Path("runs/ws"))          # every test_*.py of the workspace
    summary.passed, summary.failed, summary.errors, summary.ok
    print(summary.text())                          # what the model reads: counts, then each
                                                   # failure with its short traceback, trimmed

A small model cannot act on 200 lines of pytest output; it can act on "2 passed, 1 failed:
test_divide: ZeroDivisionError at calculator.py line 12". The output of
`pytest -q --tb=short -rfE` is parsed into counts and one short traceback per failure, and only
that goes back into the conversation.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared.agent import Observation, ToolError
from shared.agent.paths import PathRefused, inside_workspace
from shared.sandbox import SandboxLimits, run_command

TEST_TIMEOUT_S = 60.0    # one pytest run; a busy 2-core machine needs seconds just to start it
TEST_CPU_S = 30          # CPU seconds the tests may use
TRACEBACK_LINES = 10     # the last lines kept of each failure's traceback
SHOWN_FAILURES = 4       # failures shown to the model (the count says how many there were)
MAX_TEXT_CHARS = 1800    # the whole summary as the model reads it
PYTEST_OPTIONS = ["-q", "--tb=short", "-rfE", "-p", "no:cacheprovider", "--color=no",
                  "-o", "addopts=", "-o", "console_output_style=classic"]

COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")
SECTION = re.compile(r"^={3,} (FAILURES|ERRORS|short test summary info|warnings summary)? ?={3,}$")
BLOCK = re.compile(r"^_{3,} (.+?) _{3,}$")
NAME_ERROR = re.compile(r"NameError: name '(\w+)' is not defined")
IMPORTABLE = {"pytest", "math", "os", "re", "sys", "json", "random", "itertools", "collections",
              "functools", "string", "time", "datetime", "pathlib", "statistics", "decimal",
              "fractions", "operator", "typing", "dataclasses"}
SUMMARY_LINE = re.compile(r"^(FAILED|ERROR) (\S+)(?: - (.*))?$")


@dataclass
class TestFailure:
    """One failing test (kind "failed") or one error (kind "error": a crash in set-up or while
    collecting a test file, e.g. an ImportError)."""

    __test__ = False  # pytest: not a test class, despite its name

    name: str
    kind: str = "failed"
    message: str = ""
    traceback: str = ""


@dataclass
class TestSummary:
    """What one pytest run found. returncode: pytest's (0 all passed, 1 failures, 2 interrupted,
    5 no tests); None when it never ran."""

    __test__ = False

    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    failures: list[TestFailure] = field(default_factory=list)
    returncode: int | None = None
    timed_out: bool = False
    seconds: float = 0.0
    target: str = "."
    problem: str = ""  # why there is no result (a timeout, pytest missing), in one sentence

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors

    @property
    def ok(self) -> bool:
        """Every test passed, and there was at least one."""
        return self.returncode == 0 and self.passed > 0 and not (self.failed or self.errors)

    def counts(self) -> str:
        """'3 passed, 1 failed' (the parts that are not zero), or 'no tests ran'."""
        parts = [f"{n} {word}" for n, word in ((self.passed, "passed"), (self.failed, "failed"),
                                               (self.errors, "errors" if self.errors > 1 else "error"))
                 if n]
        return ", ".join(parts) or "no tests ran"

    def text(self, max_chars: int = MAX_TEXT_CHARS) -> str:
        """The summary as the model reads it: what to do next included."""
        if self.problem:
            return self.problem
        if self.ok:
            return f"All {self.passed} tests passed ({self.target})."
        if not self.total:
            return (f"No tests ran ({self.target}): write a test file named test_<something>.py "
                    "whose test functions are named test_..., then call run_tests again.")
        lines = [f"{self.counts()} ({self.target})."]
        for failure in self.failures[:SHOWN_FAILURES]:
            head = "FAILED" if failure.kind == "failed" else "ERROR"
            lines.append(f"\n{head} {failure.name}" + (f": {failure.message}" if failure.message else ""))
            if failure.traceback:
                lines.append(indent(failure.traceback))
        lines += [f"\nHint: {hint}" for hint in self.hints()]
        hidden = len(self.failures) - SHOWN_FAILURES
        if hidden > 0:
            lines.append(f"\n[{hidden} more failures not shown]")
        advice = ("\nFix the code (or a test that expects the wrong thing), then call run_tests again.")
        text = "\n".join(lines)
        if len(text) + len(advice) > max_chars:
            text = text[: max_chars - len(advice) - 30].rstrip() + "\n[... cut ...]"
        return text + advice

    def hints(self) -> list[str]:
        """Advice for the mistakes small models make most: a module used but never imported."""
        hints = []
        for failure in self.failures:
            found = NAME_ERROR.search(failure.message + "\n" + failure.traceback)
            if found and found.group(1) in IMPORTABLE:
                file = failure.name.split("::")[0]
                hint = (f"{found.group(1)} is a module: add `import {found.group(1)}` at the top "
                        f"of {file} (edit_file, or write_file with the whole file).")
                if hint not in hints:
                    hints.append(hint)
        return hints

    def figures(self) -> dict[str, object]:
        """The counts as plain values (for trajectories and benchmark files)."""
        return {"passed": self.passed, "failed": self.failed, "errors": self.errors,
                "ok": self.ok, "timed_out": self.timed_out, "target": self.target,
                "failing": [f.name for f in self.failures]}


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def parse_pytest_output(output: str, returncode: int | None) -> TestSummary:
    """Read the output of `pytest -q --tb=short -rfE` into a TestSummary."""
    summary = TestSummary(returncode=returncode)
    lines = output.splitlines()
    for line in reversed(lines):  # the last line with counts, e.g. "1 failed, 2 passed in 0.03s"
        found = COUNT.findall(line)
        if found and (" in " in line or line.startswith("=")):
            for number, word in found:
                name = "errors" if word.startswith("error") else word
                if hasattr(summary, name):
                    setattr(summary, name, int(number))
            break
    blocks = traceback_blocks(lines)
    messages: dict[str, tuple[str, str]] = {}
    for line in lines:
        match = SUMMARY_LINE.match(line.strip())
        if match:
            kind = "failed" if match.group(1) == "FAILED" else "error"
            messages[match.group(2)] = (kind, (match.group(3) or "").strip())
    for test_id, (kind, message) in messages.items():
        short = test_id.split("::")[-1]
        block = blocks.get(short) or blocks.get(f"ERROR collecting {test_id}") or ""
        if not block:  # an error in set-up is titled "ERROR at setup of test_x"
            block = next((text for title, text in blocks.items() if title.endswith(short)), "")
        summary.failures.append(TestFailure(test_id, kind, message, trim_traceback(block)))
    return summary


def traceback_blocks(lines: list[str]) -> dict[str, str]:
    """The sections of the FAILURES and ERRORS parts: title -> text ("___ test_add ___")."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    inside = False
    for line in lines:
        section = SECTION.match(line.strip())
        if section:
            inside = section.group(1) in ("FAILURES", "ERRORS")
            current = None
            continue
        block = BLOCK.match(line.strip())
        if inside and block:
            current = blocks.setdefault(block.group(1), [])
            continue
        if inside and current is not None:
            current.append(line)
    return {title: "\n".join(text).strip() for title, text in blocks.items()}


def trim_traceback(text: str, keep: int = TRACEBACK_LINES) -> str:
    """The last `keep` lines of a traceback, where the error and the line that raised it are."""
    lines, outside = [], False
    for line in text.splitlines():
        if not line.strip() or line.startswith("Hint: make sure"):
            continue
        if not line.startswith((" ", "E ")):  # a frame: "file.py:3: in test_add"
            outside = line.startswith("/")    # a frame of Python's own library: not the model's
        if not outside:
            lines.append(line)
    if len(lines) <= keep:
        return "\n".join(lines)
    return "\n".join(["...", *lines[-keep:]])


def run_pytest(workspace: Path, target: str = ".", timeout_s: float = TEST_TIMEOUT_S) -> TestSummary:
    """Run pytest on `target` (a file or folder of the workspace) inside the sandbox."""
    workspace = Path(workspace).resolve()
    arguments = [*PYTEST_OPTIONS, "--rootdir", str(workspace), "--confcutdir", str(workspace),
                 target]
    run = run_command([sys.executable, "-m", "pytest", *arguments], workspace=workspace,
                      timeout_s=timeout_s, limits=SandboxLimits(cpu_s=TEST_CPU_S))
    output = (run.stdout + "\n" + run.stderr).replace(str(workspace) + "/", "")
    summary = parse_pytest_output(output, run.returncode)
    summary.target, summary.seconds, summary.timed_out = target, run.duration_s, run.timed_out
    if run.timed_out:
        summary.problem = (f"The tests timed out after {timeout_s:g} s ({target}): look for a loop "
                           "that never ends, in the code or in a test.")
    elif "No module named pytest" in run.stderr:
        summary.problem = ("pytest is not installed in this Python: install it (pip install "
                           "pytest), then call run_tests again.")
    elif run.returncode not in (0, 1, 5) and not summary.total:
        tail = (run.stderr.strip() or run.stdout.strip() or "no output").splitlines()[-3:]
        summary.problem = f"pytest could not run ({target}): " + " / ".join(tail)[:400]
    return summary


def run_tests_tool(workspace: Path, on_result: Callable[[TestSummary], None] | None = None,
                   timeout_s: float = TEST_TIMEOUT_S) -> Callable[..., Observation]:
    """The tool function, bound to `workspace`; `on_result` sees every summary (the agent keeps
    count of the runs and knows whether the tests pass)."""
    root = Path(workspace).resolve()

    def run_tests(path: str = ".") -> Observation:
        """Run the pytest tests of the workspace and report which pass and which fail, with a
        short traceback for each failure.

        Args:
            path: a test file or folder, relative to the workspace ("." runs every test_*.py).
        """
        try:
            inside_workspace(root, path or ".")
        except PathRefused as err:
            raise ToolError(str(err)) from None
        if not (root / (path or ".")).exists():
            raise ToolError(f"there is no {path!r} in the workspace; call run_tests with no path "
                            "to run every test file")
        summary = run_pytest(root, path or ".", timeout_s)
        if on_result is not None:
            on_result(summary)
        return Observation(summary.text(), "ok" if summary.ok else "error")

    return run_tests


def workspace_test_files(workspace: Path) -> list[Path]:
    """The pytest files of the workspace (test_*.py and *_test.py), hidden folders left out."""
    root = Path(workspace)
    found = [p for pattern in ("test_*.py", "*_test.py") for p in root.rglob(pattern)]
    return sorted(p for p in set(found)
                  if not any(part.startswith(".") for part in p.relative_to(root).parts))
