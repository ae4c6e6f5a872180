"""Hidden tests of spell_digits (spell_digits.py): copied in only for grading."""

import pytest
from spell_digits import spell_digits


def test_examples():
    assert spell_digits("406") == "four zero six"
    assert spell_digits("7") == "seven"


def test_all_digits():
    assert spell_digits("0123456789") == (
        "zero one two three four five six seven eight nine")
    assert spell_digits("00") == "zero zero"


@pytest.mark.parametrize("bad", ["", "12a", "-5", "3.1", " 1"])
def test_bad_input(bad):
    with pytest.raises(ValueError):
        spell_digits(bad)
