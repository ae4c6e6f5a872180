def compress_runs(text: str) -> str:
    """Shorten runs of the same letter: a run of n > 1 equal letters becomes the letter
    followed by n; a single letter stays as it is. `text` holds letters only.

    >>> compress_runs("aaabcc")
    'a3bc2'
    >>> compress_runs("abc")
    'abc'
    """
    parts = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        run = j - i
        parts.append(text[i] + (str(run) if run > 1 else ""))
        i = j
    return "".join(parts)
