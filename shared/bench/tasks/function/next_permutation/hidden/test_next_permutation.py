"""Hidden tests of next_permutation (next_permutation.py): copied in only for grading."""

from itertools import permutations

from next_permutation import next_permutation


def test_examples():
    assert next_permutation([1, 2, 3]) == [1, 3, 2]
    assert next_permutation([3, 2, 1]) == [1, 2, 3]
    assert next_permutation([1, 1, 5]) == [1, 5, 1]


def test_edges():
    assert next_permutation([]) == []
    assert next_permutation([4]) == [4]
    assert next_permutation([2, 2]) == [2, 2]
    assert next_permutation([1, 3, 2]) == [2, 1, 3]


def test_walks_every_arrangement_in_order():
    ordered = sorted(set(permutations([1, 2, 2, 3])))
    current = list(ordered[0])
    for expected in ordered[1:]:
        current = next_permutation(current)
        assert current == list(expected)


def test_input_not_changed():
    data = [1, 2, 3]
    next_permutation(data)
    assert data == [1, 2, 3]
