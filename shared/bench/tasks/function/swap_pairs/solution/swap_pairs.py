def swap_pairs(items: list) -> list:
    """Return a new list in which elements 0 and 1, 2 and 3, ... have changed places; an odd
    last element stays where it is.

    >>> swap_pairs([1, 2, 3, 4, 5])
    [2, 1, 4, 3, 5]
    """
    swapped = list(items)
    for i in range(0, len(swapped) - 1, 2):
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
    return swapped
