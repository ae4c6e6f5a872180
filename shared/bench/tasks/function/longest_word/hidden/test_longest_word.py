"""Hidden tests of longest_word (longest_word.py): copied in only for grading."""

from longest_word import longest_word


def test_examples():
    assert longest_word("A cat sat on the mat.") == "cat"
    assert longest_word("Hello, wonderful world!") == "wonderful"


def test_edges():
    assert longest_word("") == ""
    assert longest_word("   ") == ""
    assert longest_word("...") == ""
    assert longest_word("one") == "one"
    assert longest_word("ab cd\tefg\nhi") == "efg"
    assert longest_word("Stop!!! Go") == "Stop"
