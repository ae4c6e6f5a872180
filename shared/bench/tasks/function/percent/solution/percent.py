def percent(part: float, whole: float, digits: int = 1) -> str:
    """Return part/whole as a percentage string rounded to `digits` decimals, like "12.5%".
    Return "n/a" when whole is 0.

    >>> percent(1, 8)
    '12.5%'
    >>> percent(2, 3, digits=2)
    '66.67%'
    >>> percent(5, 0)
    'n/a'
    """
    if whole == 0:
        return "n/a"
    return f"{100 * part / whole:.{digits}f}%"
