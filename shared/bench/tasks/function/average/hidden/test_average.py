"""Hidden tests of average (average.py): copied in only for grading."""

import pytest
from average import average


def test_examples():
    assert average([1, 2, 3, 4]) == 2.5
    assert average([]) is None


def test_values():
    assert average([5]) == 5
    assert average([-2, 2]) == 0
    assert average([0.1, 0.2, 0.3]) == pytest.approx(0.2)
    assert average([10**9, 10**9 + 2]) == 10**9 + 1


def test_returns_a_float_for_integers():
    assert isinstance(average([1, 2]), float)
