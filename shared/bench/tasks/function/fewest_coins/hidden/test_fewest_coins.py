"""Hidden tests of fewest_coins (fewest_coins.py): copied in only for grading."""

from fewest_coins import fewest_coins


def test_examples():
    assert fewest_coins(11, [1, 2, 5]) == 3
    assert fewest_coins(3, [2]) == -1
    assert fewest_coins(6, [1, 3, 4]) == 2


def test_more():
    assert fewest_coins(0, [1, 2]) == 0
    assert fewest_coins(0, []) == 0
    assert fewest_coins(7, []) == -1
    assert fewest_coins(10, [10]) == 1
    assert fewest_coins(12, [9, 6, 5, 1]) == 2
    assert fewest_coins(7, [2, 4]) == -1


def test_large_amount():
    assert fewest_coins(30, [1, 15, 25]) == 2
    assert fewest_coins(10_030, [25, 15, 1]) == 402
    assert fewest_coins(10_000, [1, 5, 10, 25]) == 400
