def collapse_ranges(numbers: list[int]) -> str:
    """Write integers as a short list of ranges: sorted, repeats dropped, runs of three or
    more consecutive numbers as "start-end", others one by one, separated by commas.

    >>> collapse_ranges([1, 2, 3, 5, 7, 8])
    '1-3,5,7,8'
    >>> collapse_ranges([9, 4, 5, 6, 4])
    '4-6,9'
    """
    values = sorted(set(numbers))
    parts: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{values[i]}-{values[j]}")
        else:
            parts.extend(str(v) for v in values[i:j + 1])
        i = j + 1
    return ",".join(parts)
