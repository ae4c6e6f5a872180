def expand_ranges(text: str) -> list[int]:
    """Expand a list of numbers and ranges like "1-3,5,7-8" into [1, 2, 3, 5, 7, 8], in the
    order written. Spaces around the parts are allowed; an empty text gives []. Raise
    ValueError for a malformed part or a range whose end is below its start.

    >>> expand_ranges("1-3,5,7-8")
    [1, 2, 3, 5, 7, 8]
    >>> expand_ranges(" 4 , 2-2 ")
    [4, 2]
    """
    raise NotImplementedError
