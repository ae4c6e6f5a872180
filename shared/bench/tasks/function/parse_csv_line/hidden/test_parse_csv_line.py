"""Hidden tests of parse_csv_line (parse_csv_line.py): copied in only for grading."""

import pytest
from parse_csv_line import parse_csv_line


def test_examples():
    assert parse_csv_line("a,b,c") == ["a", "b", "c"]
    assert parse_csv_line('1,"Smith, John","say ""hi"" now"') == [
        "1", "Smith, John", 'say "hi" now']
    assert parse_csv_line("") == [""]


def test_more():
    assert parse_csv_line(",") == ["", ""]
    assert parse_csv_line("a,,b") == ["a", "", "b"]
    assert parse_csv_line(" a , b ") == [" a ", " b "]
    assert parse_csv_line('""') == [""]
    assert parse_csv_line('"a,b",c,"d"') == ["a,b", "c", "d"]
    assert parse_csv_line('x,"""quoted"""') == ["x", '"quoted"']


def test_unclosed_quote():
    with pytest.raises(ValueError):
        parse_csv_line('a,"open')
