def eval_rpn(expression: str) -> float:
    """Evaluate an expression in reverse Polish notation: numbers and the operators + - * /,
    separated by spaces ("3 4 +" is 3 + 4). Numbers may be negative or decimal; / is true
    division. Raise ValueError for an unknown token, too few operands, leftover operands, an
    empty expression, or a division by zero.

    >>> eval_rpn("3 4 + 2 *")
    14.0
    >>> eval_rpn("10 4 /")
    2.5
    >>> eval_rpn("-2 3 -")
    -5.0
    """
    raise NotImplementedError
