def wrap_text(text: str, width: int) -> list[str]:
    """Break `text` into lines of at most `width` characters, putting as many words on a line
    as fit, one space between them. A word longer than `width` gets a line of its own (it is not
    cut). White space in the input only separates words.

    >>> wrap_text("the quick brown fox jumps", 10)
    ['the quick', 'brown fox', 'jumps']
    >>> wrap_text("a extraordinary b", 5)
    ['a', 'extraordinary', 'b']
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines
