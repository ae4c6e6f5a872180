"""Hidden tests of running_total: running_total in totals.py."""

import pytest
from totals import running_total


def test_examples():
    assert running_total([1, 2, 3]) == [1, 3, 6]
    assert running_total([]) == []


def test_more():
    assert running_total([5]) == [5]
    assert running_total([3, -3, 3]) == [3, 0, 3]
    assert running_total([0.5, 0.25]) == pytest.approx([0.5, 0.75])


def test_input_not_changed():
    data = [1, 1, 1]
    assert running_total(data) == [1, 2, 3]
    assert data == [1, 1, 1]
