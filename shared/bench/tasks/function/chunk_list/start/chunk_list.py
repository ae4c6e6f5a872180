def chunk_list(items: list, size: int) -> list[list]:
    """Split `items` into consecutive chunks of `size` elements; the last chunk may be shorter.
    Raise ValueError when size is not a positive integer.

    >>> chunk_list([1, 2, 3, 4, 5], 2)
    [[1, 2], [3, 4], [5]]
    >>> chunk_list([], 3)
    []
    """
    raise NotImplementedError
