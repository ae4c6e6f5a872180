def next_permutation(items: list[int]) -> list[int]:
    """The next arrangement of `items` in lexicographic order, as a new list; after the last
    arrangement (descending order) comes the first (ascending order). Repeated values are
    allowed.

    >>> next_permutation([1, 2, 3])
    [1, 3, 2]
    >>> next_permutation([3, 2, 1])
    [1, 2, 3]
    >>> next_permutation([1, 1, 5])
    [1, 5, 1]
    """
    raise NotImplementedError
