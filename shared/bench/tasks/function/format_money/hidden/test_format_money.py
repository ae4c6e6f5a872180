"""Hidden tests of format_money (format_money.py): copied in only for grading."""

from format_money import format_money


def test_examples():
    assert format_money(123405) == "$1,234.05"
    assert format_money(-50) == "-$0.50"


def test_more():
    assert format_money(0) == "$0.00"
    assert format_money(7) == "$0.07"
    assert format_money(100) == "$1.00"
    assert format_money(99999) == "$999.99"
    assert format_money(100000) == "$1,000.00"
    assert format_money(123456789012) == "$1,234,567,890.12"
    assert format_money(-100000000) == "-$1,000,000.00"
