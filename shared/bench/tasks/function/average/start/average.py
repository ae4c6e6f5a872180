def average(numbers: list[float]) -> float | None:
    """Return the arithmetic mean of `numbers`, or None when the list is empty.

    >>> average([1, 2, 3, 4])
    2.5
    >>> average([]) is None
    True
    """
    raise NotImplementedError
