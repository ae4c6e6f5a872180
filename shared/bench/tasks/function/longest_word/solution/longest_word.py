def longest_word(text: str) -> str:
    """Return the longest word of `text`; on a tie, the one that comes first. Words are
    separated by white space, and punctuation (.,;:!?) at either end of a word does not count.
    Return "" when there is no word.

    >>> longest_word("A cat sat on the mat.")
    'cat'
    >>> longest_word("Hello, wonderful world!")
    'wonderful'
    """
    best = ""
    for raw in text.split():
        word = raw.strip(".,;:!?")
        if len(word) > len(best):
            best = word
    return best
