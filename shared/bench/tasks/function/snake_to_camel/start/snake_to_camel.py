def snake_to_camel(name: str) -> str:
    """Turn a snake_case name into camelCase: the first word all in lower case, every later word
    with its first character in upper case and the rest in lower case. Leading, trailing and
    repeated underscores are dropped.

    >>> snake_to_camel("total_price_eur")
    'totalPriceEur'
    >>> snake_to_camel("_private__name_")
    'privateName'
    >>> snake_to_camel("single")
    'single'
    """
    raise NotImplementedError
