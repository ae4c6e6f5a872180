"""Hidden tests of swap_pairs (swap_pairs.py): copied in only for grading."""

from swap_pairs import swap_pairs


def test_example():
    assert swap_pairs([1, 2, 3, 4, 5]) == [2, 1, 4, 3, 5]


def test_edges():
    assert swap_pairs([]) == []
    assert swap_pairs([1]) == [1]
    assert swap_pairs([1, 2]) == [2, 1]
    assert swap_pairs(["a", "b", "c", "d"]) == ["b", "a", "d", "c"]


def test_input_not_changed():
    data = [1, 2, 3]
    assert swap_pairs(data) == [2, 1, 3]
    assert data == [1, 2, 3]
