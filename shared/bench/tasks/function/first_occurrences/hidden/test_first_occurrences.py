"""Hidden tests of first_occurrences (first_occurrences.py): copied in only for grading."""

from first_occurrences import first_occurrences


def test_examples():
    assert first_occurrences([3, 1, 3, 2, 1]) == [3, 1, 2]
    assert first_occurrences(["b", "a", "b"]) == ["b", "a"]


def test_edges():
    assert first_occurrences([]) == []
    assert first_occurrences([7, 7, 7]) == [7]
    assert first_occurrences([1, 2, 3]) == [1, 2, 3]
    assert first_occurrences(["A", "a", "A"]) == ["A", "a"]


def test_input_not_changed():
    data = [2, 2, 1]
    assert first_occurrences(data) == [2, 1]
    assert data == [2, 2, 1]
