"""Hidden tests of word_count: count_words in word_count.py."""

from word_count import count_words


def test_simple():
    assert count_words("the cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}


def test_case_and_punctuation():
    assert count_words("Hello, hello! HELLO?") == {"hello": 3}
    assert count_words("end. End; end:") == {"end": 3}


def test_empty_and_blank():
    assert count_words("") == {}
    assert count_words("  \n\t ") == {}
    assert count_words("... !!") == {}


def test_inner_punctuation_kept_and_whitespace_kinds():
    assert count_words("don't stop\ndon't") == {"don't": 2, "stop": 1}
    assert count_words("a\tb  a") == {"a": 2, "b": 1}
