def parse_duration(text: str) -> int:
    """Return the number of seconds in a duration written like "1h30m", "45s" or "2h5s":
    one or more parts, each a whole number followed by h, m or s, in that order, each unit at
    most once. Raise ValueError for anything else (an empty text, a bad unit, a missing number).

    >>> parse_duration("1h30m")
    5400
    >>> parse_duration("45s")
    45
    >>> parse_duration("2h5s")
    7205
    """
    import re

    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    if not text or match is None:
        raise ValueError(f"not a duration: {text!r}")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds
