def digital_root(number: int) -> int:
    """Add up the digits of `number`, then the digits of that sum, and so on, until one digit
    is left; return it. Raise ValueError for a negative number.

    >>> digital_root(942)
    6
    >>> digital_root(7)
    7
    """
    raise NotImplementedError
