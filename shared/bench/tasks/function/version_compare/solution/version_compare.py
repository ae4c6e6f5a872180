def version_compare(first: str, second: str) -> int:
    """Compare two dotted version numbers part by part as integers: -1 when `first` is older,
    1 when it is newer, 0 when they are equal. Missing parts count as 0.

    >>> version_compare("1.2.10", "1.2.9")
    1
    >>> version_compare("1.0", "1")
    0
    >>> version_compare("0.9", "1.0.1")
    -1
    """
    a = [int(p) for p in first.split(".")]
    b = [int(p) for p in second.split(".")]
    length = max(len(a), len(b))
    a += [0] * (length - len(a))
    b += [0] * (length - len(b))
    return (a > b) - (a < b)
