def spell_digits(number: str) -> str:
    """Spell each digit of `number` as an English word, separated by single spaces.
    Raise ValueError when `number` is empty or holds anything but the digits 0-9.

    >>> spell_digits("406")
    'four zero six'
    >>> spell_digits("7")
    'seven'
    """
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    if not number or any(c not in "0123456789" for c in number):
        raise ValueError(f"not a string of digits: {number!r}")
    return " ".join(words[int(c)] for c in number)
