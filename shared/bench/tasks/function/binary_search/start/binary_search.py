def binary_search(items: list[int], target: int) -> int:
    """Return the index of the first element equal to `target` in the sorted list `items`,
    or -1 when it is not there. Take O(log n) steps.

    >>> binary_search([1, 3, 5, 7], 5)
    2
    >>> binary_search([1, 2, 2, 2, 3], 2)
    1
    >>> binary_search([1, 3], 2)
    -1
    """
    raise NotImplementedError
