def group_by_letter(words: list[str]) -> dict[str, list[str]]:
    """Group words by their first letter, in lower case. Each group is sorted alphabetically
    (ignoring case) and holds each word once; empty words are skipped. The dict's keys come in
    alphabetical order.

    >>> group_by_letter(["banana", "Apple", "avocado", "banana"])
    {'a': ['Apple', 'avocado'], 'b': ['banana']}
    """
    groups: dict[str, list[str]] = {}
    for word in words:
        if word:
            groups.setdefault(word[0].lower(), [])
            if word not in groups[word[0].lower()]:
                groups[word[0].lower()].append(word)
    return {key: sorted(groups[key], key=str.lower) for key in sorted(groups)}
