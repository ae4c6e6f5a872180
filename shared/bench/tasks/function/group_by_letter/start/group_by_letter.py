def group_by_letter(words: list[str]) -> dict[str, list[str]]:
    """Group words by their first letter, in lower case. Each group is sorted alphabetically
    (ignoring case) and holds each word once; empty words are skipped. The dict's keys come in
    alphabetical order.

    >>> group_by_letter(["banana", "Apple", "avocado", "banana"])
    {'a': ['Apple', 'avocado'], 'b': ['banana']}
    """
    raise NotImplementedError
