"""Self-evaluation: docstring examples turned into tests, and best-of-n kept by the tests."""

from __future__ import annotations

from pathlib import Path

from shared.llm import LLMError, ScriptedBackend
from shared.planning.self_eval import (
    EXAMPLES_FILE,
    best_of_messages,
    best_of_n,
    docstring_examples,
    example_tests,
    example_tests_source,
    task_module,
    write_example_tests,
)
from shared.tools.test_runner import TestSummary, run_pytest

STUB = '''\
def double(x):
    """Twice x.

    >>> double(2)
    4
    >>> double(0.5)
    1.0
    >>> double("ab")
    'abab'
    >>> double(None)
    Traceback (most recent call last):
    ...
    TypeError: unsupported operand
    >>> y = double(3)
    >>> print(y)
    6
    """
    raise NotImplementedError
'''
RIGHT = "def double(x):\n    if x is None:\n        raise TypeError('no')\n    return x * 2\n"


def test_each_kind_of_example_becomes_a_readable_test() -> None:
    examples = docstring_examples(STUB.split('"""')[1], "mathx", "double")
    assert [e.source for e in examples] == ["double(2)", "double(0.5)", 'double("ab")',
                                            "double(None)", "print(y)"]
    assert examples[3].exception == "TypeError" and examples[4].setup == ["y = double(3)"]
    source = example_tests_source(examples)
    assert "from mathx import *" in source
    assert "def test_double_example_1():\n    assert double(2) == 4" in source
    assert "assert double(0.5) == pytest.approx(1.0)" in source
    assert "assert double(\"ab\") == 'abab'" in source
    assert "with pytest.raises(TypeError):\n        double(None)" in source
    assert "    y = double(3)\n" in source and "redirect_stdout" in source
    compile(source, EXAMPLES_FILE, "exec")


def test_the_written_tests_fail_on_the_stub_and_pass_on_a_right_solution(tmp_path: Path) -> None:
    (tmp_path / "mathx.py").write_text(STUB)
    (tmp_path / "test_mine.py").write_text("def test_mine():\n    '''>>> 1\n    2'''\n")
    path, count = write_example_tests(tmp_path)
    assert path == tmp_path / EXAMPLES_FILE and count == 5, "a test file's docstrings are not a spec"
    stub = run_pytest(tmp_path, EXAMPLES_FILE)
    assert stub.failed == 5, "NotImplementedError is not the TypeError the example expects"
    (tmp_path / "mathx.py").write_text(RIGHT)
    assert run_pytest(tmp_path, EXAMPLES_FILE).ok


def test_examples_in_the_task_text_belong_to_the_module_it_names(tmp_path: Path) -> None:
    task = "Create tools/calc.py and test_calc.py with add(a, b).\n\n>>> add(2, 3)\n5\n"
    assert task_module(task) == "tools.calc"
    examples = example_tests(tmp_path, task)
    assert [(e.module, e.source, e.want) for e in examples] == [("tools.calc", "add(2, 3)", "5")]
    assert write_example_tests(tmp_path, "No examples here.") == (None, 0)
    assert not (tmp_path / EXAMPLES_FILE).exists()


def test_a_non_literal_answer_is_compared_by_its_repr() -> None:
    examples = docstring_examples(">>> make()\nPoint(x=1, y=2)\n", "geo")
    assert "assert repr(make()) == 'Point(x=1, y=2)'" in example_tests_source(examples)


TESTS = "from calc import add\n\ndef test_a():\n    assert add(1, 2) == 3\n\ndef test_b():\n    assert add(2, 2) == 4\n"


def test_best_of_keeps_the_sample_the_tests_prefer(tmp_path: Path) -> None:
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (tmp_path / "test_calc.py").write_text(TESTS)
    current = run_pytest(tmp_path)
    replies = ["no code at all, sorry",
               "```python\ndef add(a, b):\n    return 3\n```",        # passes one of two
               "```python\ndef add(a, b):\n    return a + b\n```"]    # passes both: stops here
    llm = ScriptedBackend(replies + ["never asked"])
    messages = best_of_messages("add numbers", "calc.py", "...", {"test_calc.py": TESTS}, current)
    outcome = best_of_n(llm, messages, 4, tmp_path / "calc.py", lambda: run_pytest(tmp_path),
                        current=current, seed=2)
    assert [c.index for c in outcome.candidates] == [0, 1, 2, 3], "all passing: no 4th sample"
    assert outcome.candidates[1].note == "no code in the reply"
    assert outcome.kept == 3 and "return a + b" in (tmp_path / "calc.py").read_text()
    assert [call["options"]["seed"] for call in llm.calls] == [2001, 2002, 2003]
    assert all(call["options"]["temperature"] > 0 for call in llm.calls)
    assert "Kept sample #3 (2 passed)" in outcome.report()


def test_best_of_never_makes_things_worse(tmp_path: Path) -> None:
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return 3\n")  # passes one of two
    (tmp_path / "test_calc.py").write_text(TESTS)
    llm = ScriptedBackend(["```python\ndef add(a, b):\n    return 0\n```", LLMError("server down")])
    outcome = best_of_n(llm, [], 2, tmp_path / "calc.py", lambda: run_pytest(tmp_path))
    assert outcome.kept == 0 and (tmp_path / "calc.py").read_text().endswith("return 3\n")
    assert "the model failed" in outcome.candidates[2].note
    assert "Kept the version you had" in outcome.report()


def test_the_request_shows_the_tests_the_code_and_the_failures() -> None:
    summary = TestSummary(passed=1, failed=1, returncode=1)
    messages = best_of_messages("Task X", "calc.py", "CODE", {"test_calc.py": TESTS}, summary)
    text = messages[-1]["content"]
    assert "Task X" in text and "CODE" in text and "def test_a" in text and "1 passed, 1 failed" in text
