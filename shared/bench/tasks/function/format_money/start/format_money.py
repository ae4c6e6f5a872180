def format_money(cents: int) -> str:
    """Format an amount of cents as dollars with a comma every three digits and two decimals,
    the minus sign before the dollar sign.

    >>> format_money(123405)
    '$1,234.05'
    >>> format_money(-50)
    '-$0.50'
    """
    raise NotImplementedError
