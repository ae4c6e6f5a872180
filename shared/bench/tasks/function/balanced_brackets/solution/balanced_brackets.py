def balanced_brackets(text: str) -> bool:
    """True when every (, [ and { in `text` is closed by the matching bracket in the right
    order; other characters are ignored.

    >>> balanced_brackets("f(a[1], {b: 2})")
    True
    >>> balanced_brackets("([)]")
    False
    >>> balanced_brackets("(()")
    False
    """
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for char in text:
        if char in "([{":
            stack.append(char)
        elif char in pairs:
            if not stack or stack.pop() != pairs[char]:
                return False
    return not stack
