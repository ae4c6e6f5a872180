"""Hidden tests of compress_runs (compress_runs.py): copied in only for grading."""

from compress_runs import compress_runs


def test_examples():
    assert compress_runs("aaabcc") == "a3bc2"
    assert compress_runs("abc") == "abc"


def test_edges():
    assert compress_runs("") == ""
    assert compress_runs("z") == "z"
    assert compress_runs("zz") == "z2"
    assert compress_runs("a" * 12) == "a12"
    assert compress_runs("aAaa") == "aAa2"
    assert compress_runs("abba") == "ab2a"
