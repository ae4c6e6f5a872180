def anagram_groups(words: list[str]) -> list[list[str]]:
    """Group words that are anagrams of each other (same letters, same counts, case
    sensitive). Each group keeps its words in the input order; the groups come in the order of
    their first word in the input. Repeated words stay repeated.

    >>> anagram_groups(["stop", "pots", "cat", "tops", "act", "dog"])
    [['stop', 'pots', 'tops'], ['cat', 'act'], ['dog']]
    """
    raise NotImplementedError
