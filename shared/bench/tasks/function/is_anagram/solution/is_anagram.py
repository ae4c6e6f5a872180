def is_anagram(first: str, second: str) -> bool:
    """True when the two texts use the same letters the same number of times, ignoring upper
    and lower case and spaces.

    >>> is_anagram("Listen", "Silent")
    True
    >>> is_anagram("dormitory", "dirty room")
    True
    >>> is_anagram("abc", "abd")
    False
    """
    def letters(text: str) -> list[str]:
        return sorted(text.replace(" ", "").lower())

    return letters(first) == letters(second)
