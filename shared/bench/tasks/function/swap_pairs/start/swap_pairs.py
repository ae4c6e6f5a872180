def swap_pairs(items: list) -> list:
    """Return a new list in which elements 0 and 1, 2 and 3, ... have changed places; an odd
    last element stays where it is.

    >>> swap_pairs([1, 2, 3, 4, 5])
    [2, 1, 4, 3, 5]
    """
    raise NotImplementedError
