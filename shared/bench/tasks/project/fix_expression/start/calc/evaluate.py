"""evaluate("2 * (3 + 4)") -> 14.0"""

from calc.parser import Parser
from calc.tokens import tokenize


def evaluate(text: str) -> float:
    """The value of an arithmetic expression; ValueError for a malformed one."""
    parser = Parser(tokenize(text))
    value = parser.expression()
    if parser.peek() is not None:
        raise ValueError(f"unexpected {parser.peek()!r}")
    return value
