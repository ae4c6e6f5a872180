def word_frequencies(text: str, n: int) -> list[tuple[str, int]]:
    """The `n` most frequent words of `text` as (word, count) pairs, most frequent first,
    words with equal counts in alphabetical order. Words are runs of letters a-z (an apostrophe
    or any other character separates them), compared in lower case.

    >>> word_frequencies("the cat and the hat", 2)
    [('the', 2), ('and', 1)]
    >>> word_frequencies("Go, go, GO!", 5)
    [('go', 3)]
    """
    import re
    from collections import Counter

    counts = Counter(re.findall(r"[a-z]+", text.lower()))
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:n]
