"""Hidden tests of parse_key_values (parse_key_values.py): copied in only for grading."""

import pytest
from parse_key_values import parse_key_values


def test_examples():
    assert parse_key_values("a=1; b = two;c=") == {"a": "1", "b": "two", "c": ""}
    assert parse_key_values("") == {}


def test_more():
    assert parse_key_values(" ; ;") == {}
    assert parse_key_values("x=1;x=2") == {"x": "2"}
    assert parse_key_values("url=http://h/?q=1") == {"url": "http://h/?q=1"}
    assert parse_key_values("name = Ada Lovelace ;") == {"name": "Ada Lovelace"}


@pytest.mark.parametrize("bad", ["novalue", "a=1;b", "=3", " = 4"])
def test_bad(bad):
    with pytest.raises(ValueError):
        parse_key_values(bad)
