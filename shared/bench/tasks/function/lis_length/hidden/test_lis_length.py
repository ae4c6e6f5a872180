"""Hidden tests of lis_length (lis_length.py): copied in only for grading."""

from lis_length import lis_length


def test_examples():
    assert lis_length([10, 9, 2, 5, 3, 7, 101, 18]) == 4
    assert lis_length([3, 3, 3]) == 1


def test_more():
    assert lis_length([]) == 0
    assert lis_length([5]) == 1
    assert lis_length([1, 2, 3, 4]) == 4
    assert lis_length([4, 3, 2, 1]) == 1
    assert lis_length([0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15]) == 6
    assert lis_length([-5, -1, -3, 0]) == 3


def test_long_input():
    numbers = [(i * 7919) % 2003 for i in range(2000)]
    assert lis_length(numbers) >= 40
    assert lis_length([5, 1, 6, 2, 7, 3, 8, 4, 9]) == 5
    assert lis_length(list(range(3000))) == 3000
