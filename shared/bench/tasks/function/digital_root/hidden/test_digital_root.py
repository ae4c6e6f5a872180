"""Hidden tests of digital_root (digital_root.py): copied in only for grading."""

import pytest
from digital_root import digital_root


def test_examples():
    assert digital_root(942) == 6
    assert digital_root(7) == 7


def test_more():
    assert digital_root(0) == 0
    assert digital_root(10) == 1
    assert digital_root(99999) == 9
    assert digital_root(123456789) == 9
    assert digital_root(10**20 + 5) == 6


def test_negative():
    with pytest.raises(ValueError):
        digital_root(-12)
