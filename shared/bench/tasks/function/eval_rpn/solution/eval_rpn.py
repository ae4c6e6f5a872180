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
    stack: list[float] = []
    for token in expression.split():
        if token in ("+", "-", "*", "/"):
            if len(stack) < 2:
                raise ValueError(f"{token!r} needs two operands")
            right, left = stack.pop(), stack.pop()
            if token == "/" and right == 0:
                raise ValueError("division by zero")
            stack.append({"+": left + right, "-": left - right, "*": left * right,
                          "/": left / right if right else 0.0}[token])
        else:
            try:
                stack.append(float(token))
            except ValueError:
                raise ValueError(f"unknown token {token!r}") from None
    if len(stack) != 1:
        raise ValueError("the expression does not reduce to one value")
    return stack[0]
