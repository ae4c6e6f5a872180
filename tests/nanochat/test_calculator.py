"""The restricted calculator: what it computes, what it refuses, and how it writes numbers."""

import pytest

from nanochat_track.calculator import CalculatorError, calculate, evaluate, tool_output


@pytest.mark.parametrize("expr, want", [
    ("17*23", "391"), ("2 + 3 * 4", "14"), ("(2 + 3) * 4", "20"), ("-5 + 2", "-3"),
    ("7 / 2", "3.5"), ("7 // 2", "3"), ("7 % 3", "1"), ("2 ** 10", "1024"), ("300*15/100", "45"),
    ("(10+20+31)/3", "20.333333"), ("+4", "4"), ("1.5 * 2", "3"),
    ('"strawberry".count("r")', "3"), ("'banana'.count('a')", "3"),
])
def test_computes_arithmetic_and_letter_counts(expr, want):
    assert calculate(expr) == want


@pytest.mark.parametrize("expr, reason", [
    ("__import__('os')", "call"), ("x + 1", "names are not allowed"), ("(1).real", "attributes"),
    ("open('f').count('a')", "call"), ("'a' + 'b'", "only numbers"), ("[1, 2][0]", "not allowed"),
    ("1 / 0", "division by zero"), ("10 ** 100", "exponents are limited"), ("9 ** 64", "too large"),
    ("1" + "*99999999" * 10, "too large"), ("1+" * 120 + "1", "longer than"), ("", "empty"),
    ("2 +", "not a valid expression"), ("lambda: 1", "not allowed"), ("'ab'.count(x)", "call"),
    ("1e308 * 1e308", "too large"), ("+".join(["1"] * 40), "parts"), ("1e999", "too large"),
    ("(-8) ** 0.5", "not a real number"), ("(-1) ** (1 / 3)", "not a real number"),
])
def test_refuses_with_a_reason(expr, reason):
    with pytest.raises(CalculatorError, match=reason):
        evaluate(expr)


def test_tool_output_writes_errors_instead_of_raising():
    assert tool_output("6*7") == "42"
    assert tool_output("1/0") == "error: division by zero."
