"""Hidden tests of deep_get (deep_get.py): copied in only for grading."""

from deep_get import deep_get

DATA = {"a": {"b": [10, {"c": 5}]}, "n": None, "list": [[1, 2], [3]]}


def test_examples():
    assert deep_get({"a": {"b": [10, {"c": 5}]}}, "a.b.1.c") == 5
    assert deep_get({"a": 1}, "a.x", default="?") == "?"


def test_found():
    assert deep_get(DATA, "a.b.0") == 10
    assert deep_get(DATA, "list.1.0") == 3
    assert deep_get(DATA, "") is DATA
    assert deep_get(DATA, "n", default=7) is None


def test_missing():
    assert deep_get(DATA, "a.b.5") is None
    assert deep_get(DATA, "a.b.-1", default=0) == 0
    assert deep_get(DATA, "a.b.x") is None
    assert deep_get(DATA, "zzz", default="none") == "none"
    assert deep_get([1, 2], "0.a") is None
