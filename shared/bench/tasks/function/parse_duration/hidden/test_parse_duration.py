"""Hidden tests of parse_duration (parse_duration.py): copied in only for grading."""

import pytest
from parse_duration import parse_duration


def test_examples():
    assert parse_duration("1h30m") == 5400
    assert parse_duration("45s") == 45
    assert parse_duration("2h5s") == 7205


def test_more():
    assert parse_duration("1h2m3s") == 3723
    assert parse_duration("0s") == 0
    assert parse_duration("90m") == 5400
    assert parse_duration("100h") == 360000


@pytest.mark.parametrize("bad", ["", "h", "5", "3d", "1m2h", "1h1h", "-5s", "1.5h", "1h 30m"])
def test_bad(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)
