def clamp(value: float, low: float, high: float) -> float:
    """Return `value` limited to the range [low, high]. Raise ValueError when low > high.

    >>> clamp(5, 0, 10)
    5
    >>> clamp(-3, 0, 10)
    0
    >>> clamp(12.5, 0, 10)
    10
    """
    if low > high:
        raise ValueError(f"low ({low}) is above high ({high})")
    return max(low, min(value, high))
