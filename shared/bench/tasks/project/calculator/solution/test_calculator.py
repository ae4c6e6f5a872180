import pytest
from calculator import add, divide, multiply, subtract


def test_normal_cases():
    assert add(2, 3) == 5
    assert subtract(2, 3) == -1
    assert multiply(4, 2.5) == 10
    assert divide(9, 3) == 3


def test_edge_cases():
    assert add(-1, 1) == 0
    assert multiply(7, 0) == 0
    assert divide(1, 4) == 0.25
    with pytest.raises(ZeroDivisionError):
        divide(1, 0)
