"""The python tool of the chat model: a restricted calculator, never `eval`.

The model writes an expression between <|python_start|> and <|python_end|>; the engine calls
`calculate` on it and forces the result back into the sequence. The expression is parsed with
`ast` and walked node by node; only these are allowed:

- numbers (int, float) and + - * / // % ** with parentheses, unary minus and plus;
- one string method, for counting letters: "strawberry".count("r").

No names, no attributes other than that `.count`, no other calls, no subscripts. Bounded:
the expression's length and node count, the exponent, the size of every intermediate result,
and the time spent. Anything else raises CalculatorError with a one-sentence reason, which the
engine writes as the tool's output ("error: ...") so the model sees what went wrong.
"""

from __future__ import annotations

import ast
import math
import operator
import time

from shared.errors import AgentlabError

MAX_CHARS = 200  # longest expression accepted
MAX_NODES = 60  # syntax-tree nodes
MAX_EXPONENT = 64  # |b| in a ** b
MAX_DIGITS = 60  # any intermediate integer (floats: below 1e60 in size)
MAX_SECONDS = 0.1  # wall-clock bound on one evaluation

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow}


class CalculatorError(AgentlabError):
    """An expression the calculator refuses or cannot compute; the message says why."""


def calculate(expression: str) -> str:
    """The value of `expression` as the tool's output text: an int as digits, a float rounded
    to 6 decimals (written as an int when whole). Raises CalculatorError."""
    return format_number(evaluate(expression))


def tool_output(expression: str) -> str:
    """What the engine forces back: the result, or "error: <reason>" (never raises)."""
    try:
        return calculate(expression)
    except CalculatorError as err:
        return f"error: {err}"


def evaluate(expression: str) -> int | float:
    """The value of an allowed expression (see the module docstring). Raises CalculatorError."""
    text = expression.strip()
    if not text:
        raise CalculatorError("the expression is empty.")
    if len(text) > MAX_CHARS:
        raise CalculatorError(f"the expression is longer than {MAX_CHARS} characters.")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise CalculatorError(f"{text!r} is not a valid expression.") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise CalculatorError(f"the expression has more than {MAX_NODES} parts.")
    deadline = time.monotonic() + MAX_SECONDS
    return _value(tree.body, deadline)


def _value(node: ast.AST, deadline: float):
    if time.monotonic() > deadline:
        raise CalculatorError("the expression takes too long to compute.")
    if isinstance(node, ast.Constant):
        if type(node.value) in (int, float):
            return _check_size(node.value)
        raise CalculatorError(f"only numbers are allowed here, not {node.value!r}.")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _value(node.operand, deadline)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _value(node.left, deadline), _value(node.right, deadline)
        if isinstance(node.op, ast.Pow):
            _check_power(left, right)
        try:
            result = _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise CalculatorError("division by zero.") from None
        except OverflowError:
            raise CalculatorError("the result is too large.") from None
        return _check_size(result)
    if isinstance(node, ast.Call):
        return _count(node)
    if isinstance(node, ast.Name):
        raise CalculatorError(f"names are not allowed ({node.id!r}): write the numbers themselves.")
    if isinstance(node, ast.Attribute):
        raise CalculatorError(f"attributes are not allowed (.{node.attr}).")
    raise CalculatorError(f"{type(node).__name__} is not allowed: use numbers, + - * / // % ** "
                          "and parentheses, or \"word\".count(\"letter\").")


def _count(node: ast.Call) -> int:
    """"word".count("x"): the one call allowed, on string literals only."""
    func = node.func
    ok = (isinstance(func, ast.Attribute) and func.attr == "count" and not node.keywords
          and isinstance(func.value, ast.Constant) and isinstance(func.value.value, str)
          and len(node.args) == 1 and isinstance(node.args[0], ast.Constant)
          and isinstance(node.args[0].value, str))
    if not ok:
        raise CalculatorError("the only call allowed is \"word\".count(\"letter\") on quoted strings.")
    return func.value.value.count(node.args[0].value)


def _check_power(base, exponent) -> None:
    if abs(exponent) > MAX_EXPONENT:
        raise CalculatorError(f"exponents are limited to {MAX_EXPONENT} in size.")
    if base != 0 and abs(exponent) * math.log10(abs(base)) > MAX_DIGITS:
        raise CalculatorError("the result is too large.")


def _check_size(value):
    if isinstance(value, complex):  # (-8) ** 0.5
        raise CalculatorError("the result is not a real number.")
    too_big = (abs(value) >= 10 ** MAX_DIGITS if isinstance(value, int)
               else not math.isfinite(value) or abs(value) >= 1e60)
    if too_big:
        raise CalculatorError("the result is too large.")
    return value


def format_number(value: int | float) -> str:
    """An int as digits; a float rounded to 6 decimals, written as an int when it is whole."""
    if isinstance(value, float):
        value = round(value, 6)
        return str(int(value)) if value.is_integer() else str(value)
    return str(value)
