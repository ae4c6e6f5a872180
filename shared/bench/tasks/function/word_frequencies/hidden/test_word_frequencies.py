"""Hidden tests of word_frequencies (word_frequencies.py): copied in only for grading."""

from word_frequencies import word_frequencies


def test_examples():
    assert word_frequencies("the cat and the hat", 2) == [("the", 2), ("and", 1)]
    assert word_frequencies("Go, go, GO!", 5) == [("go", 3)]


def test_edges():
    assert word_frequencies("", 3) == []
    assert word_frequencies("a b c", 0) == []
    assert word_frequencies("b a c b a", 3) == [("a", 2), ("b", 2), ("c", 1)]
    assert word_frequencies("it's its", 3) == [("it", 1), ("its", 1), ("s", 1)]
    assert word_frequencies("x1y x", 1) == [("x", 2)]
