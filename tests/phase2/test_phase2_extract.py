"""extract_code: the shapes of replies models really give, and two properties (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from phase2_dumb_loop.extract import extract_code, find_code_blocks


def test_fenced_with_language_tag():
    assert extract_code("```python\nprint(1)\n```") == "print(1)"


def test_fenced_without_language_tag():
    assert extract_code("```\nx = 2\nprint(x)\n```") == "x = 2\nprint(x)"


def test_tilde_fence_and_short_tag():
    assert extract_code("~~~py\nprint('t')\n~~~") == "print('t')"


def test_prose_around_the_block():
    reply = "Sure! Here is the program:\n\n```python\nprint('hi')\n```\n\nIt prints hi."
    assert extract_code(reply) == "print('hi')"


def test_python_block_wins_over_other_languages():
    reply = ("First install it:\n```bash\npip install pandas\n```\nThen run:\n"
             "```python\nimport csv\nprint('ok')\n```\nOutput:\n```text\nok\n```")
    assert extract_code(reply) == "import csv\nprint('ok')"


def test_several_python_blocks_are_joined_in_order():
    reply = ("```python\ndef square(x):\n    return x * x\n```\nUse it:\n"
             "```python\nprint(square(4))\n```")
    code = extract_code(reply)
    assert code == "def square(x):\n    return x * x\n\nprint(square(4))"


def test_a_block_repeated_inside_a_longer_one_is_not_doubled():
    reply = ("```python\ndef f():\n    return 1\n```\nThe full program:\n"
             "```python\ndef f():\n    return 1\n\nprint(f())\n```")
    assert extract_code(reply) == "def f():\n    return 1\n\nprint(f())"


def test_unclosed_fence_runs_to_the_end():
    assert extract_code("```python\nfor i in range(3):\n    print(i)") == (
        "for i in range(3):\n    print(i)")


def test_stray_indentation_is_removed():
    reply = "1. Run this:\n   ```python\n   for i in range(2):\n       print(i)\n   ```\n"
    assert extract_code(reply) == "for i in range(2):\n    print(i)\n"[:-1]


def test_no_fences_but_code_with_prose_before():
    reply = "Here is the code:\nfor i in range(1, 11):\n    print(i)"
    assert extract_code(reply) == "for i in range(1, 11):\n    print(i)"


def test_no_fences_code_only():
    assert extract_code("import math\nprint(math.pi)") == "import math\nprint(math.pi)"


def test_prose_only_has_no_code():
    assert extract_code("I am sorry, I cannot help with that request.") is None
    assert extract_code("Sure") is None
    assert extract_code("") is None
    assert extract_code("   \n  ") is None


def test_only_other_languages_has_no_code():
    assert extract_code("```bash\npip install pandas\n```") is None


def test_find_code_blocks_reports_language_and_closing():
    blocks = find_code_blocks("```Python\na = 1\n```\n```\nb\n")
    assert [(b.language, b.code, b.closed) for b in blocks] == [("python", "a = 1", True),
                                                               ("", "b\n", False)]


def test_windows_line_endings():
    assert extract_code("```python\r\nprint(1)\r\n```\r\n") == "print(1)\r"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_any_text(text):
    result = extract_code(text)
    assert result is None or isinstance(result, str)


FENCE_CHARS = ("`", "~")


def code_like_text():
    """Text that could be a program: no fence line inside, no common indentation, not blank."""
    lines = st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
                max_size=40).filter(lambda line: not line.lstrip().startswith(("```", "~~~"))),
        min_size=1, max_size=12)
    return lines.map("\n".join).filter(lambda c: c.strip() and not c[:1].isspace())


@settings(max_examples=300, deadline=None)
@given(code_like_text(), st.sampled_from(["python", "py", ""]), st.text(max_size=30))
def test_round_trips_code_given_in_a_fence(code, tag, prose):
    prose = prose.replace("`", "").replace("~", "")
    reply = f"{prose}\n```{tag}\n{code}\n```\n{prose}"
    assert extract_code(reply) == code


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["x = 1", "print(x)", "for i in range(3):\n    print(i)",
                                 "import os", "def f(a):\n    return a + 1"]),
                min_size=1, max_size=6).map("\n".join))
def test_round_trips_real_programs_with_and_without_fences(program):
    assert extract_code(f"```python\n{program}\n```") == program
    assert extract_code(program) == program
