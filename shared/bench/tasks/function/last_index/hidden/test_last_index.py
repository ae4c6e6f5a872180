"""Hidden tests of last_index (last_index.py): copied in only for grading."""

from last_index import last_index


def test_examples():
    assert last_index([1, 2, 1, 3], 1) == 2
    assert last_index(["x"], "y") == -1


def test_edges():
    assert last_index([], 1) == -1
    assert last_index([5], 5) == 0
    assert last_index([4, 4, 4], 4) == 2
    assert last_index([1, 2, 3], 3) == 2
    assert last_index([0, False, None], None) == 2
