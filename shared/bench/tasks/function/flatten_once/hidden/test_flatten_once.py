"""Hidden tests of flatten_once (flatten_once.py): copied in only for grading."""

from flatten_once import flatten_once


def test_example():
    assert flatten_once([1, [2, 3], [], [4, [5]]]) == [1, 2, 3, 4, [5]]


def test_edges():
    assert flatten_once([]) == []
    assert flatten_once([[]]) == []
    assert flatten_once([1, 2]) == [1, 2]
    assert flatten_once([[[1]]]) == [[1]]
    assert flatten_once(["ab", ["cd"]]) == ["ab", "cd"]
    assert flatten_once([(1, 2), [3]]) == [(1, 2), 3]
