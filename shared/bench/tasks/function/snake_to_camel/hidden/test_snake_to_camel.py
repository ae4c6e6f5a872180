"""Hidden tests of snake_to_camel (snake_to_camel.py): copied in only for grading."""

from snake_to_camel import snake_to_camel


def test_examples():
    assert snake_to_camel("total_price_eur") == "totalPriceEur"
    assert snake_to_camel("_private__name_") == "privateName"
    assert snake_to_camel("single") == "single"


def test_edges():
    assert snake_to_camel("") == ""
    assert snake_to_camel("___") == ""
    assert snake_to_camel("a_b_c") == "aBC"
    assert snake_to_camel("USER_ID") == "userId"
    assert snake_to_camel("page_2_items") == "page2Items"
