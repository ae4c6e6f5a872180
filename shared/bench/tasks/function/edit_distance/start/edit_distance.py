def edit_distance(first: str, second: str) -> int:
    """The smallest number of one-character insertions, deletions and substitutions that turn
    `first` into `second` (the Levenshtein distance).

    >>> edit_distance("kitten", "sitting")
    3
    >>> edit_distance("", "abc")
    3
    """
    raise NotImplementedError
