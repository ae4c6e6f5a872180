"""Hidden tests of ascii_bars (ascii_bars.py): copied in only for grading."""

from ascii_bars import ascii_bars


def test_examples():
    assert ascii_bars({"cat": 3, "horse": 1}) == ["cat   | ###", "horse | #"]
    assert ascii_bars({"none": 0}) == ["none |"]


def test_more():
    assert ascii_bars({}) == []
    assert ascii_bars({"b": 2, "a": 1}) == ["b | ##", "a | #"]
    assert ascii_bars({"x": 10}) == ["x | ##########"]
    lines = ascii_bars({"a": 1, "bbb": 0, "cc": 2})
    assert lines == ["a   | #", "bbb |", "cc  | ##"]
