def spell_digits(number: str) -> str:
    """Spell each digit of `number` as an English word, separated by single spaces.
    Raise ValueError when `number` is empty or holds anything but the digits 0-9.

    >>> spell_digits("406")
    'four zero six'
    >>> spell_digits("7")
    'seven'
    """
    raise NotImplementedError
