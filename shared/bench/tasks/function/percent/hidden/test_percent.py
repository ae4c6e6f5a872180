"""Hidden tests of percent (percent.py): copied in only for grading."""

from percent import percent


def test_examples():
    assert percent(1, 8) == "12.5%"
    assert percent(2, 3, digits=2) == "66.67%"
    assert percent(5, 0) == "n/a"


def test_more():
    assert percent(0, 5) == "0.0%"
    assert percent(3, 3) == "100.0%"
    assert percent(1, 3, digits=0) == "33%"
    assert percent(3, 2) == "150.0%"
    assert percent(-1, 4) == "-25.0%"
