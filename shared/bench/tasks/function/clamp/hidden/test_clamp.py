"""Hidden tests of clamp (clamp.py): copied in only for grading."""

import pytest
from clamp import clamp


def test_inside_and_outside():
    assert clamp(5, 0, 10) == 5
    assert clamp(-3, 0, 10) == 0
    assert clamp(12.5, 0, 10) == 10
    assert clamp(0.25, 0.0, 1.0) == 0.25


def test_bounds_and_negative_ranges():
    assert clamp(0, 0, 10) == 0
    assert clamp(10, 0, 10) == 10
    assert clamp(-7, -5, -1) == -5
    assert clamp(3, 3, 3) == 3


def test_bad_range():
    with pytest.raises(ValueError):
        clamp(1, 5, 2)
