def first_occurrences(items: list) -> list:
    """Return the items without repeats, each kept where it first appeared.

    >>> first_occurrences([3, 1, 3, 2, 1])
    [3, 1, 2]
    >>> first_occurrences(["b", "a", "b"])
    ['b', 'a']
    """
    raise NotImplementedError
