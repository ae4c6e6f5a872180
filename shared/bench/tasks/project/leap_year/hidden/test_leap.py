"""Hidden tests of leap_year: is_leap_year in leap.py."""

import pytest
from leap import is_leap_year


@pytest.mark.parametrize("year", [4, 1996, 2000, 2024, 1600, 400])
def test_leap(year):
    assert is_leap_year(year) is True


@pytest.mark.parametrize("year", [1, 1900, 2023, 2100, 1800, 100])
def test_not_leap(year):
    assert is_leap_year(year) is False


@pytest.mark.parametrize("year", [0, -4])
def test_bad_year(year):
    with pytest.raises(ValueError):
        is_leap_year(year)
