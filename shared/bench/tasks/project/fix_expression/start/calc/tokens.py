"""Split an arithmetic expression into tokens: numbers, + - * / and parentheses."""

import re

TOKEN = re.compile(r"\s*(?:(\d+\.?\d*|\.\d+)|(.))")


def tokenize(text: str) -> list[str]:
    """The tokens of `text`, spaces dropped; ValueError for a character that is no token."""
    tokens = []
    for number, other in TOKEN.findall(text.rstrip()):
        if number:
            tokens.append(number)
        elif other in "+-*/()":
            tokens.append(other)
        else:
            raise ValueError(f"unexpected character {other!r}")
    return tokens
