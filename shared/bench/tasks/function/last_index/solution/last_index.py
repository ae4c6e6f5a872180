def last_index(items: list, value) -> int:
    """Return the index of the last element equal to `value`, or -1 when there is none.

    >>> last_index([1, 2, 1, 3], 1)
    2
    >>> last_index(["x"], "y")
    -1
    """
    for index in range(len(items) - 1, -1, -1):
        if items[index] == value:
            return index
    return -1
