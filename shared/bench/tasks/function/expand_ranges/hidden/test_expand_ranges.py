"""Hidden tests of expand_ranges (expand_ranges.py): copied in only for grading."""

import pytest
from expand_ranges import expand_ranges


def test_examples():
    assert expand_ranges("1-3,5,7-8") == [1, 2, 3, 5, 7, 8]
    assert expand_ranges(" 4 , 2-2 ") == [4, 2]


def test_more():
    assert expand_ranges("") == []
    assert expand_ranges("0") == [0]
    assert expand_ranges("10-12") == [10, 11, 12]
    assert expand_ranges("3,1-2") == [3, 1, 2]


@pytest.mark.parametrize("bad", ["a", "1-", "-3", "5-3", "1,,2", "1-2-3"])
def test_bad(bad):
    with pytest.raises(ValueError):
        expand_ranges(bad)
