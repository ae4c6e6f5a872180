def ascii_bars(counts: dict[str, int]) -> list[str]:
    """One text bar per item of `counts`, in the dict's order: the label padded with spaces to
    the longest label, then " | ", then one "#" per count (no trailing spaces).

    >>> ascii_bars({"cat": 3, "horse": 1})
    ['cat   | ###', 'horse | #']
    >>> ascii_bars({"none": 0})
    ['none |']
    """
    raise NotImplementedError
