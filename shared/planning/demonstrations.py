"""The worked example of phase 5, shown to the model before its task (few-shot): plan, write the
code, write tests of normal and edge cases, run them, read the failure, fix, run again, finish.

Small models copy the shape of a demonstration far better than they follow rules (measured in
phase 3), so the loop this phase teaches is shown once, whole, with a real failure in the
middle. It comes after phase 4's "run the failing command, read the lines, fix" example.
"""

from __future__ import annotations

from typing import Any

from shared.agent import ActionFormat
from shared.context.demonstrations import CRASH_STEPS, CRASH_TASK

Step = tuple[str, str, dict[str, Any], str]  # think, tool, arguments, observation

PLAN = ["Write words.py with count_words and longest_word",
        "Write test_words.py with tests of normal and edge cases",
        "Run the tests with run_tests and fix what fails",
        "Finish with final_answer"]
TASK = ("Create words.py with count_words(text) and longest_word(text) (\"\" when there is no "
        "word), and test_words.py with pytest tests of normal and edge cases; all tests pass."
        "\n\nYour plan:\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(PLAN, 1)))
CODE = ('def count_words(text):\n    """The number of words in text."""\n'
        '    return len(text.split())\n\n\n'
        'def longest_word(text):\n    """The longest word in text ("" when there is none)."""\n'
        '    return max(text.split(), key=len)\n')
TESTS = ('import pytest\n\nfrom words import count_words, longest_word\n\n\n'
         'def test_count_words():\n    assert count_words("a bc def") == 3\n\n\n'
         'def test_count_words_empty():\n    assert count_words("") == 0\n\n\n'
         'def test_count_words_needs_text():\n    with pytest.raises(AttributeError):\n'
         '        count_words(None)\n\n\n'
         'def test_longest_word():\n    assert longest_word("a bc def") == "def"\n\n\n'
         'def test_longest_word_empty():\n    assert longest_word("") == ""\n')
FAILURE = (
    "4 passed, 1 failed (.).\n\n"
    "FAILED test_words.py::test_longest_word_empty: ValueError: max() arg is an empty sequence\n"
    "    test_words.py:24: in test_longest_word_empty\n"
    '        assert longest_word("") == ""\n'
    "    words.py:8: in longest_word\n"
    "        return max(text.split(), key=len)\n"
    "    E   ValueError: max() arg is an empty sequence\n"
    "Fix the code (or a test that expects the wrong thing), then call run_tests again.")


def status(step: int) -> str:
    return f"\n[plan: step {step} of {len(PLAN)} now: {PLAN[step - 1]}]"


TDD_STEPS: list[Step] = [
    ("Step 1: I write words.py with both functions.", "write_file",
     {"path": "words.py", "content": CODE}, f"wrote {len(CODE)} bytes to words.py" + status(2)),
    ("Step 2: I write tests of normal and edge cases.", "write_file",
     {"path": "test_words.py", "content": TESTS},
     f"wrote {len(TESTS)} bytes to test_words.py" + status(3)),
    ("Step 3: I run the tests.", "run_tests", {"path": "."}, FAILURE + status(3)),
    ("max() fails on an empty list: I give it a default.", "edit_file",
     {"path": "words.py", "old": "    return max(text.split(), key=len)",
      "new": '    return max(text.split(), key=len, default="")'},
     f"wrote {len(CODE) + 12} bytes to words.py" + status(3)),
    ("I run the tests again.", "run_tests", {"path": "."},
     "All 5 tests passed (.)." + status(4)),
    ("Every test passes.", "final_answer",
     {"answer": "Wrote words.py (count_words, longest_word; empty text gives 0 and \"\") and "
                "test_words.py; all 5 tests pass."}, ""),
]
DEMONSTRATIONS: list[tuple[str, list[Step]]] = [(CRASH_TASK, CRASH_STEPS), (TASK, TDD_STEPS)]


def demonstration(fmt: ActionFormat) -> list[dict[str, Any]]:
    """The worked examples as conversation turns, written in the agent's action format."""
    messages: list[dict[str, Any]] = []
    for task, steps in DEMONSTRATIONS:
        messages.append({"role": "user", "content": task})
        for think, name, arguments, observation in steps:
            messages.append({"role": "assistant", "content": fmt.render(think, name, arguments)})
            if observation:
                failed = observation.startswith(("(exit code 1)", "4 passed, 1 failed"))
                messages.append({"role": "user",
                                 "content": f"Observation ({'error' if failed else 'ok'}):\n{observation}"})
    return messages
