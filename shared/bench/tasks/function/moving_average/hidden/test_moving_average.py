"""Hidden tests of moving_average (moving_average.py): copied in only for grading."""

import pytest
from moving_average import moving_average


def test_examples():
    assert moving_average([1, 2, 3, 4, 5], 2) == [1.5, 2.5, 3.5, 4.5]
    assert moving_average([1, 2], 3) == []


def test_more():
    assert moving_average([], 1) == []
    assert moving_average([4, 8], 1) == [4, 8]
    assert moving_average([3, 6, 9], 3) == [6]
    assert moving_average([0.1, 0.2, 0.3, 0.4], 3) == pytest.approx([0.2, 0.3])
    assert moving_average([-1, 1, -1, 1], 2) == [0, 0, 0]


@pytest.mark.parametrize("window", [0, -1])
def test_bad_window(window):
    with pytest.raises(ValueError):
        moving_average([1, 2, 3], window)
