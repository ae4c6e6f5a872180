def collapse_ranges(numbers: list[int]) -> str:
    """Write integers as a short list of ranges: sorted, repeats dropped, runs of three or
    more consecutive numbers as "start-end", others one by one, separated by commas.

    >>> collapse_ranges([1, 2, 3, 5, 7, 8])
    '1-3,5,7,8'
    >>> collapse_ranges([9, 4, 5, 6, 4])
    '4-6,9'
    """
    raise NotImplementedError
