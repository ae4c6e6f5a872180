def is_palindrome(text: str) -> bool:
    """True when `text` reads the same backwards, ignoring upper and lower case."""
    folded = text.lower()
    return folded == folded[::-1]
