def title_words(text: str) -> str:
    """Return `text` with the first letter of every word in upper case and every other
    character left as it was. Words are separated by spaces; the spaces are kept exactly.

    >>> title_words("the quick brown fox")
    'The Quick Brown Fox'
    >>> title_words("  two  spaces")
    '  Two  Spaces'
    >>> title_words("iPhone and eBay")
    'IPhone And EBay'
    """
    raise NotImplementedError
