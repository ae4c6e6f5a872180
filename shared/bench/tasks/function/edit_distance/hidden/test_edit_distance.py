"""Hidden tests of edit_distance (edit_distance.py): copied in only for grading."""

from edit_distance import edit_distance


def test_examples():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3


def test_more():
    assert edit_distance("", "") == 0
    assert edit_distance("same", "same") == 0
    assert edit_distance("abc", "") == 3
    assert edit_distance("flaw", "lawn") == 2
    assert edit_distance("abc", "cba") == 2
    assert edit_distance("Case", "case") == 1


def test_symmetric_and_fast_enough():
    a, b = "abcdefghij" * 30, "bcdefghijk" * 30
    assert edit_distance(a, b) == edit_distance(b, a)
    assert edit_distance("a" * 300, "b" * 300) == 300
