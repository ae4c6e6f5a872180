def expand_ranges(text: str) -> list[int]:
    """Expand a list of numbers and ranges like "1-3,5,7-8" into [1, 2, 3, 5, 7, 8], in the
    order written. Spaces around the parts are allowed; an empty text gives []. Raise
    ValueError for a malformed part or a range whose end is below its start.

    >>> expand_ranges("1-3,5,7-8")
    [1, 2, 3, 5, 7, 8]
    >>> expand_ranges(" 4 , 2-2 ")
    [4, 2]
    """
    numbers: list[int] = []
    if not text.strip():
        return numbers
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        if not first.strip().isdigit() or (dash and not last.strip().isdigit()):
            raise ValueError(f"not a number or range: {part!r}")
        start = int(first)
        end = int(last) if dash else start
        if end < start:
            raise ValueError(f"the range {part.strip()!r} runs backwards")
        numbers.extend(range(start, end + 1))
    return numbers
