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
    low, high = 0, len(items)
    while low < high:
        middle = (low + high) // 2
        if items[middle] < target:
            low = middle + 1
        else:
            high = middle
    return low if low < len(items) and items[low] == target else -1
