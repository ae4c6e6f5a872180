"""Hidden tests of binary_search (binary_search.py): copied in only for grading."""

from collections.abc import Sequence

from binary_search import binary_search


class CountingSequence(Sequence):
    """A read-only sequence that counts how many elements are read."""

    def __init__(self, data):
        self.data = list(data)
        self.reads = 0

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        part = self.data[index]
        self.reads += len(part) if isinstance(index, slice) else 1
        return part


def test_examples():
    assert binary_search([1, 3, 5, 7], 5) == 2
    assert binary_search([1, 2, 2, 2, 3], 2) == 1
    assert binary_search([1, 3], 2) == -1


def test_edges():
    assert binary_search([], 1) == -1
    assert binary_search([4], 4) == 0
    assert binary_search([1, 2, 3], 0) == -1
    assert binary_search([1, 2, 3], 9) == -1
    assert binary_search([5, 5, 5, 5], 5) == 0
    assert binary_search(list(range(0, 1000, 2)), 998) == 499


def test_logarithmic():
    items = CountingSequence(range(100_000))
    assert binary_search(items, 76_543) == 76_543
    assert items.reads < 100
