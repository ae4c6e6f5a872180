"""extract_code: the shapes of replies models really give, properties (hypothesis), and its cost."""

from __future__ import annotations

import ast
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.code_loop import extract as extract_module
from shared.code_loop.extract import extract_code, find_code_blocks, remove_stray_indent


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


# Cost: every parser is linear in the reply's length. ---------------------------------------
# The search without fences is checked by what it hands to Python's parser (a count, not a
# clock): at most 64 times the reply's length, where it once handed 1600 times (40 start lines
# x 40 end lines, each a parse of most of the reply: 12 KB of prose took seconds). The answers
# are checked against that exhaustive search, kept here as the specification.
class CountingAst:
    """Stands in for the `ast` module inside extract.py and counts the characters parsed."""

    def __init__(self):
        self.parsed_chars = 0

    def parse(self, source, *args, **kwargs):
        self.parsed_chars += len(source)
        return ast.parse(source, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(ast, name)


def parsed_chars(monkeypatch, text):
    counter = CountingAst()
    monkeypatch.setattr(extract_module, "ast", counter)
    extract_code(text)
    monkeypatch.undo()
    return counter.parsed_chars


WORDS = "the a code file run test value list print return".split()


def prose_lines(count, seed=0, words=8):
    pick = random.Random(seed)
    return [" ".join(pick.choice(WORDS) for _ in range(words)) for _ in range(count)]


@pytest.mark.parametrize("shape", ["prose", "indented prose", "code then a broken line",
                                   "one long line", "bare words"])
def test_the_search_without_fences_parses_a_bounded_multiple_of_the_reply(monkeypatch, shape):
    text = {
        "prose": "\n".join(prose_lines(200)),
        "indented prose": "\n".join("    " + line for line in prose_lines(200)),
        "code then a broken line": "\n".join(f"x{i} = {i}" for i in range(200)) + "\nbroken line",
        "one long line": "print(" * 3000,
        "bare words": "\n".join(["Sure"] * 200),
    }[shape]
    assert parsed_chars(monkeypatch, text) <= 64 * len(text)


def test_a_long_normal_reply_is_found_with_a_few_parses(monkeypatch):
    code = "def total(values):\n    return sum(values)\n\nprint(total([1, 2, 3]))"
    text = "\n".join(prose_lines(30, seed=1, words=40) + [code] + prose_lines(30, seed=2, words=40))
    assert len(text) > 10_000 and extract_code(text) == exhaustive_search(text) == code
    # Each prose line costs one parse of the rest of the reply (the error on its first line rules
    # out every run from it): about 25 times the reply here, well under the budget. Trying every
    # end line for each start, as the exhaustive search does, parsed some 500 times the reply.
    assert parsed_chars(monkeypatch, text) <= 32 * len(text)


def exhaustive_search(text):
    """The search as it was first written: every start line (of the first 40) from the top,
    every end line (of the last 40) from the bottom, the first run that is a program."""
    lines = text.split("\n")
    for start in range(min(len(lines), 40)):
        if not lines[start].strip():
            continue
        for end in range(len(lines), max(start, len(lines) - 40), -1):
            chunk = remove_stray_indent("\n".join(lines[start:end])).strip("\n")
            try:
                tree = ast.parse(chunk)
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                continue
            if any(not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Name | ast.Constant))
                   for node in tree.body):
                return chunk
    return None


REPLY_LINES = [
    "x = 1", "print(x)", "for i in range(3):", "    print(i)", "  y = 2", "def f(a):",
    "    return a + 1", "Here is the code:", "Sure", "42", "don't do it", "(", ")", "[1,", "2]",
    '"""', "'''doc", "@dec", "else:", "    pass", "if x:", "x \\", "", "  ", "\t", "a b c", "Note:",
    "import os", "1. First step", "x = (1 +", "     2)", "print('hi')\r", "class A:", "\tpass",
    "try:", "except E:", "# comment", "print(1); print(2)", "}", "{", "f'{x'", "    # indented note",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(REPLY_LINES), min_size=1, max_size=12).map("\n".join))
def test_the_search_without_fences_gives_the_exhaustive_answer(text):
    if not find_code_blocks(text):
        assert extract_code(text) == exhaustive_search(text)



# A scaling check, not a speed target: 8 times the input may cost about 8 times the CPU time
# (linear), never the 64 times of a quadratic parser (1000 -> 8000 spaces: 0.03 s -> 1.7 s).
@pytest.mark.parametrize("make_input, n", [
    pytest.param(lambda n: "```x" + " " * n + "y", 1000, id="fence-info-with-spaces"),
    pytest.param(lambda n: "~" * n + "`", 1000, id="long-fence-that-is-not-one"),
    pytest.param(lambda n: "".join(f"```python\nx{i} = {i}\n```\n" for i in range(n)), 160,
                 id="many-blocks"),
])
def test_fence_reading_scales_linearly(make_input, n, slowdown):
    assert slowdown(extract_code, make_input, n) < 32
