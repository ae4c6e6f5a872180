"""Hidden tests of chunk_list (chunk_list.py): copied in only for grading."""

import pytest
from chunk_list import chunk_list


def test_examples():
    assert chunk_list([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert chunk_list([], 3) == []


def test_sizes():
    assert chunk_list([1, 2, 3], 1) == [[1], [2], [3]]
    assert chunk_list([1, 2, 3], 3) == [[1, 2, 3]]
    assert chunk_list([1, 2, 3], 10) == [[1, 2, 3]]
    assert chunk_list(["a", "b", "c", "d"], 2) == [["a", "b"], ["c", "d"]]


def test_input_not_changed():
    data = [1, 2, 3, 4]
    chunk_list(data, 3)
    assert data == [1, 2, 3, 4]


@pytest.mark.parametrize("size", [0, -2])
def test_bad_size(size):
    with pytest.raises(ValueError):
        chunk_list([1, 2], size)
