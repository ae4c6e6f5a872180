"""Hidden tests of eval_rpn (eval_rpn.py): copied in only for grading."""

import pytest
from eval_rpn import eval_rpn


def test_examples():
    assert eval_rpn("3 4 + 2 *") == 14.0
    assert eval_rpn("10 4 /") == 2.5
    assert eval_rpn("-2 3 -") == -5.0


def test_more():
    assert eval_rpn("5") == 5.0
    assert eval_rpn("2 3 4 * +") == 14.0
    assert eval_rpn("1.5 2 *") == pytest.approx(3.0)
    assert eval_rpn("8 2 / 2 /") == 2.0
    assert eval_rpn("  7   1  - ") == 6.0


@pytest.mark.parametrize("bad", ["", "+", "1 +", "1 2", "1 2 ^", "4 0 /", "x 1 +"])
def test_bad(bad):
    with pytest.raises(ValueError):
        eval_rpn(bad)
