"""Hidden tests of fix_expression: evaluate() is right on chains of + and -, and everything
that worked before still works."""

import pytest


@pytest.mark.parametrize("text, value", [
    ("10 - 4 - 3", 3.0), ("1 - 2 + 3", 2.0), ("20 - 5 + 2 - 1", 16.0), ("1 + 2 + 3", 6.0),
    ("0 - 1 - 1 - 1", -3.0), ("10 - 2 * 3 - 1", 3.0), ("(10 - 4) - 3", 3.0),
    ("10 - (4 - 3)", 9.0)])
def test_chains_of_plus_and_minus(text, value):
    from calc.evaluate import evaluate

    assert evaluate(text) == pytest.approx(value)


@pytest.mark.parametrize("text, value", [
    ("2 * 3 + 4", 10.0), ("8 / 4 / 2", 1.0), ("2 * (3 + 4)", 14.0), ("-3 + 5", 2.0),
    ("-(2 + 3) * 2", -10.0), ("1.5 * 4", 6.0), ("7", 7.0), ("2 - -2", 4.0)])
def test_what_worked_still_works(text, value):
    from calc.evaluate import evaluate

    assert evaluate(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "1 +", "(1 + 2", "1 2", "2 $ 3", "4 / (2 - 2)"])
def test_malformed(text):
    from calc.evaluate import evaluate

    with pytest.raises(ValueError):
        evaluate(text)
