"""Hidden tests of balanced_brackets (balanced_brackets.py): copied in only for grading."""

from balanced_brackets import balanced_brackets


def test_examples():
    assert balanced_brackets("f(a[1], {b: 2})") is True
    assert balanced_brackets("([)]") is False
    assert balanced_brackets("(()") is False


def test_edges():
    assert balanced_brackets("") is True
    assert balanced_brackets("no brackets") is True
    assert balanced_brackets(")(") is False
    assert balanced_brackets("}") is False
    assert balanced_brackets("{[()()]}[]") is True
    assert balanced_brackets("((((((((((x))))))))))") is True
