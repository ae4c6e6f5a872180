"""Hidden tests of title_words (title_words.py): copied in only for grading."""

from title_words import title_words


def test_examples():
    assert title_words("the quick brown fox") == "The Quick Brown Fox"
    assert title_words("  two  spaces") == "  Two  Spaces"
    assert title_words("iPhone and eBay") == "IPhone And EBay"


def test_edges():
    assert title_words("") == ""
    assert title_words("a") == "A"
    assert title_words("   ") == "   "
    assert title_words("hello WORLD") == "Hello WORLD"
    assert title_words("3 little pigs") == "3 Little Pigs"
