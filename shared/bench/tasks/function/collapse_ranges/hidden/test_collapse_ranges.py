"""Hidden tests of collapse_ranges (collapse_ranges.py): copied in only for grading."""

from collapse_ranges import collapse_ranges


def test_examples():
    assert collapse_ranges([1, 2, 3, 5, 7, 8]) == "1-3,5,7,8"
    assert collapse_ranges([9, 4, 5, 6, 4]) == "4-6,9"


def test_more():
    assert collapse_ranges([]) == ""
    assert collapse_ranges([42]) == "42"
    assert collapse_ranges([1, 2]) == "1,2"
    assert collapse_ranges(list(range(10))) == "0-9"
    assert collapse_ranges([3, 3, 3]) == "3"
    assert collapse_ranges([1, 3, 5]) == "1,3,5"
    assert collapse_ranges([10, 11, 12, 14, 15, 16, 17, 20]) == "10-12,14-17,20"
