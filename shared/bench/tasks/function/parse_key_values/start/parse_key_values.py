def parse_key_values(text: str) -> dict[str, str]:
    """Read settings written as "key=value" pairs separated by semicolons into a dict.
    Spaces around keys and values are removed, empty parts are skipped, a later key replaces an
    earlier one, and a value may be empty. Raise ValueError for a part without "=" or with an
    empty key.

    >>> parse_key_values("a=1; b = two;c=")
    {'a': '1', 'b': 'two', 'c': ''}
    >>> parse_key_values("")
    {}
    """
    raise NotImplementedError
