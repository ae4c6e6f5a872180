def compress_runs(text: str) -> str:
    """Shorten runs of the same letter: a run of n > 1 equal letters becomes the letter
    followed by n; a single letter stays as it is. `text` holds letters only.

    >>> compress_runs("aaabcc")
    'a3bc2'
    >>> compress_runs("abc")
    'abc'
    """
    raise NotImplementedError
