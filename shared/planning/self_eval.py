"""Self-evaluation: tests the agent gets for free from docstring examples, and best-of-n.

    tests = example_tests(workspace, task)           # `>>> add(2, 3)` / `5` -> assert add(2, 3) == 5
    write_example_tests(workspace, task)             # test_docstring_examples.py, if there are any
    outcome = best_of_n(llm, messages, n=3, target=ws / "calc.py", judge=lambda: run_pytest(ws))

A docstring example is a specification the author already wrote: `doctest` finds the examples,
and each becomes one plain pytest test (a readable `assert`, so that a failure says
"assert 6 == 5" rather than a doctest diff). When its attempts keep failing, the agent samples
several whole versions of the file at temperature > 0 and keeps the one its tests prefer (the
current version is candidate 0, so sampling never makes things worse).
"""

from __future__ import annotations

import ast
import builtins
import doctest
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared.code_loop import extract_code
from shared.llm import ChatBackend, LLMError, Message
from shared.reply_checks import check_code
from shared.tools.test_runner import TestSummary

EXAMPLES_FILE = "test_docstring_examples.py"
BEST_OF_TEMPERATURE = 0.8
BEST_OF_MAX_TOKENS = 700


@dataclass
class Example:
    """One `>>>` example: the module it belongs to, the statements before it, its source and
    what it should print (want) or raise (exception: the name of the exception's class)."""

    module: str
    function: str
    setup: list[str]
    source: str
    want: str = ""
    exception: str = ""


def docstring_examples(text: str, module: str, function: str = "examples") -> list[Example]:
    """The checkable examples of one docstring (or any text holding `>>>` lines)."""
    examples, setup = [], []
    try:
        parsed = doctest.DocTestParser().get_examples(text)
    except ValueError:  # inconsistent indentation and the like: not a usable specification
        return []
    for example in parsed:
        source = example.source.strip()
        if example.exc_msg is not None:
            name = example.exc_msg.split(":")[0].strip().split(".")[-1] or "Exception"
            examples.append(Example(module, function, list(setup), source, exception=name))
        elif example.want.strip():
            examples.append(Example(module, function, list(setup), source, example.want.rstrip()))
        else:
            setup.append(source)
    return examples


def module_examples(path: Path, module: str) -> list[Example]:
    """The examples in the docstrings of a .py file (read with ast: the file is not run)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError:
        return []
    found = docstring_examples(ast.get_docstring(tree) or "", module, "module")
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found += docstring_examples(ast.get_docstring(node) or "", module, node.name)
    return found


def task_module(task: str) -> str:
    """The module the task's own examples are about: the first .py file it names that is not a
    test file ("create calculator.py ..." -> "calculator"), or "" when there is none."""
    for name in re.findall(r"[\w/]+\.py\b", task):
        if not name.split("/")[-1].startswith("test_"):
            return name[:-3].replace("/", ".")
    return ""


def example_tests_source(examples: list[Example]) -> str:
    """A pytest file with one test per example."""
    modules = sorted({e.module for e in examples})
    lines = ['"""Tests written mechanically from the `>>>` examples of the task and its docstrings',
             '(phase5_planning/self_eval.py). They are the specification: fix the code, not them."""',
             "", "import pytest", ""]
    lines += [f"from {module} import *  # noqa: F403" for module in modules]
    seen: dict[str, int] = {}
    for example in examples:
        stem = re.sub(r"\W", "_", example.function)
        seen[stem] = seen.get(stem, 0) + 1
        lines += ["", "", f"def test_{stem}_example_{seen[stem]}():"]
        lines += [f"    {line}" for statement in example.setup for line in statement.splitlines()]
        lines += [f"    {line}" for line in check_lines(example)]
    return "\n".join(lines) + "\n"


def check_lines(example: Example) -> list[str]:
    """The body that checks one example: an assert, a pytest.raises, or a printed-text check."""
    source = example.source
    if example.exception:
        kind = example.exception if isinstance(getattr(builtins, example.exception, None), type) \
            else "Exception"
        body = [f"with pytest.raises({kind}):", *(f"    {line}" for line in source.splitlines())]
        return body
    if not is_expression(source) or source.startswith("print("):
        return ["import contextlib, io", "out = io.StringIO()",
                "with contextlib.redirect_stdout(out):",
                *(f"    {line}" for line in source.splitlines()),
                f"assert out.getvalue().rstrip() == {example.want!r}"]
    try:
        value = ast.literal_eval(example.want)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return [f"assert repr({source}) == {example.want!r}"]
    if isinstance(value, float):
        return [f"assert {source} == pytest.approx({example.want})"]
    return [f"assert {source} == {example.want}"]


def is_expression(source: str) -> bool:
    try:
        ast.parse(source, mode="eval")
    except SyntaxError:
        return False
    return True


def example_tests(workspace: Path, task: str = "") -> list[Example]:
    """Every example of the task text and of the workspace's .py files (test files left out)."""
    workspace = Path(workspace)
    found: list[Example] = []
    module = task_module(task)
    if module:
        found += docstring_examples(task, module, module.split(".")[-1])
    for path in sorted(workspace.rglob("*.py")):
        relative = path.relative_to(workspace)
        if any(p.startswith(".") for p in relative.parts) or path.name.startswith("test_") \
                or path.name.endswith("_test.py"):
            continue
        found += module_examples(path, ".".join(relative.with_suffix("").parts))
    return found


def write_example_tests(workspace: Path, task: str = "") -> tuple[Path | None, int]:
    """Write EXAMPLES_FILE into the workspace when there are examples: (its path, how many tests)."""
    examples = example_tests(workspace, task)
    if not examples:
        return None, 0
    path = Path(workspace) / EXAMPLES_FILE
    path.write_text(example_tests_source(examples), encoding="utf-8")
    return path, len(examples)


# -- best of n -------------------------------------------------------------------------------------

@dataclass
class Candidate:
    index: int                  # 0: the file as it was; 1..n: samples
    code: str
    summary: TestSummary | None = None
    note: str = ""              # why it was not judged (no code in the reply, the model failed)

    @property
    def score(self) -> tuple[int, int, int]:
        """What the tests prefer: all passing, then most passed minus failed, then most passed."""
        s = self.summary
        if s is None:
            return (-1, -10**6, -1)
        return (int(s.ok), s.passed - s.failed - s.errors, s.passed)


@dataclass
class BestOf:
    target: str
    candidates: list[Candidate] = field(default_factory=list)
    kept: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    def report(self) -> str:
        """One paragraph for the model: what each sample scored, which was kept."""
        scores = ", ".join(
            f"#{c.index}: {c.summary.counts() if c.summary else c.note}" for c in self.candidates)
        kept = self.candidates[self.kept]
        which = "the version you had" if self.kept == 0 else f"sample #{self.kept}"
        return (f"Best of {len(self.candidates) - 1}: the tests were run on {len(self.candidates) - 1} "
                f"freshly written versions of {self.target} and on yours (#0): {scores}. "
                f"Kept {which} ({kept.summary.counts() if kept.summary else 'not run'}).")


def best_of_messages(task: str, target: str, code: str, tests: dict[str, str],
                     summary: TestSummary) -> list[Message]:
    """The request for one whole new version of `target`, with the tests it must pass."""
    shown = "\n\n".join(f"# {name}\n{source[:2500]}" for name, source in tests.items())
    return [
        {"role": "system", "content": "You write Python code. Reply with the complete file in "
                                      "one ```python block and nothing else."},
        {"role": "user", "content": (
            f"Task: {task}\n\nWrite the complete file {target} so that these tests pass.\n\n"
            f"The tests:\n```python\n{shown}\n```\n\nThe current {target}:\n```python\n{code}\n```"
            f"\n\nIt fails them:\n{summary.text(900)}")},
    ]


def best_of_n(llm: ChatBackend, messages: list[Message], n: int, target: Path,
              judge: Callable[[], TestSummary], current: TestSummary | None = None,
              seed: int = 0, temperature: float = BEST_OF_TEMPERATURE,
              max_tokens: int = BEST_OF_MAX_TOKENS,
              progress: Callable[[str], None] | None = None) -> BestOf:
    """Sample `n` versions of `target`, run the tests (`judge`) on each, leave the best in place.
    `current`: the tests' verdict on the file as it is (run again when None)."""
    target = Path(target)
    original = target.read_text(encoding="utf-8") if target.is_file() else ""
    outcome = BestOf(target.name)
    outcome.candidates.append(Candidate(0, original, current or judge()))
    for i in range(1, n + 1):
        try:
            reply = llm.chat(messages, temperature=temperature, seed=seed * 1000 + i,
                             max_tokens=max_tokens)
        except LLMError as err:
            outcome.candidates.append(Candidate(i, "", note=f"the model failed: {err}"))
            continue
        outcome.prompt_tokens += reply.usage.prompt_tokens
        outcome.completion_tokens += reply.usage.completion_tokens
        outcome.seconds += reply.latency_s
        code = extract_code(reply.content) or ""
        if not code.strip():
            outcome.candidates.append(Candidate(i, "", note="no code in the reply"))
            continue
        check = check_code(reply.content, code, reply.truncated)
        if not check.valid:  # code that does not parse fails every test: not worth a run
            outcome.candidates.append(Candidate(i, code, note=check.problem))
            continue
        target.write_text(code, encoding="utf-8")
        candidate = Candidate(i, code, judge())
        outcome.candidates.append(candidate)
        if progress:
            progress(f"    best-of sample #{i}: {candidate.summary.counts()}")
        if candidate.summary.ok:
            break  # every test passes: no sample can do better
    best = max(outcome.candidates, key=lambda c: c.score)  # the first of equals: #0 wins ties
    outcome.kept = best.index
    target.write_text(best.code, encoding="utf-8")
    return outcome
