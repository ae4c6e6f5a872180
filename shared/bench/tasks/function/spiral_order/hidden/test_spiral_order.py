"""Hidden tests of spiral_order (spiral_order.py): copied in only for grading."""

from spiral_order import spiral_order


def test_examples():
    assert spiral_order([[1, 2, 3], [4, 5, 6], [7, 8, 9]]) == [1, 2, 3, 6, 9, 8, 7, 4, 5]
    assert spiral_order([[1, 2], [3, 4], [5, 6]]) == [1, 2, 4, 6, 5, 3]


def test_shapes():
    assert spiral_order([]) == []
    assert spiral_order([[]]) == []
    assert spiral_order([[7]]) == [7]
    assert spiral_order([[1, 2, 3, 4]]) == [1, 2, 3, 4]
    assert spiral_order([[1], [2], [3]]) == [1, 2, 3]
    wide = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]
    assert spiral_order(wide) == [1, 2, 3, 4, 8, 12, 11, 10, 9, 5, 6, 7]


def test_input_not_changed():
    data = [[1, 2], [3, 4]]
    assert spiral_order(data) == [1, 2, 4, 3]
    assert data == [[1, 2], [3, 4]]
