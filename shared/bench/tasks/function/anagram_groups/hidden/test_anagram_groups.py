"""Hidden tests of anagram_groups (anagram_groups.py): copied in only for grading."""

from anagram_groups import anagram_groups


def test_example():
    words = ["stop", "pots", "cat", "tops", "act", "dog"]
    assert anagram_groups(words) == [["stop", "pots", "tops"], ["cat", "act"], ["dog"]]


def test_edges():
    assert anagram_groups([]) == []
    assert anagram_groups(["a"]) == [["a"]]
    assert anagram_groups(["ab", "ba", "ab"]) == [["ab", "ba", "ab"]]
    assert anagram_groups(["Ab", "bA", "ab"]) == [["Ab", "bA"], ["ab"]]
    assert anagram_groups(["", ""]) == [["", ""]]
    assert anagram_groups(["abc", "abcc", "cab"]) == [["abc", "cab"], ["abcc"]]
