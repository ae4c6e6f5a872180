"""Hidden tests of rotate_matrix (rotate_matrix.py): copied in only for grading."""

from rotate_matrix import rotate_matrix


def test_examples():
    assert rotate_matrix([[1, 2], [3, 4]]) == [[3, 1], [4, 2]]
    assert rotate_matrix([[1, 2, 3]]) == [[1], [2], [3]]


def test_more():
    assert rotate_matrix([]) == []
    assert rotate_matrix([[5]]) == [[5]]
    assert rotate_matrix([[1], [2], [3]]) == [[3, 2, 1]]
    square = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert rotate_matrix(square) == [[7, 4, 1], [8, 5, 2], [9, 6, 3]]
    assert rotate_matrix(rotate_matrix(rotate_matrix(rotate_matrix(square)))) == square


def test_returns_lists_and_keeps_input():
    data = [[1, 2], [3, 4]]
    result = rotate_matrix(data)
    assert all(isinstance(row, list) for row in result)
    assert data == [[1, 2], [3, 4]]
