"""Hidden tests of is_anagram (is_anagram.py): copied in only for grading."""

from is_anagram import is_anagram


def test_examples():
    assert is_anagram("Listen", "Silent") is True
    assert is_anagram("dormitory", "dirty room") is True
    assert is_anagram("abc", "abd") is False


def test_edges():
    assert is_anagram("", "") is True
    assert is_anagram("aab", "abb") is False
    assert is_anagram("a", "A") is True
    assert is_anagram("abc", "abcc") is False
    assert is_anagram("The eyes", "they see") is True
