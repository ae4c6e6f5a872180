"""Hidden tests of camel_to_snake (camel_to_snake.py): copied in only for grading."""

from camel_to_snake import camel_to_snake


def test_examples():
    assert camel_to_snake("parseHTTPResponse") == "parse_http_response"
    assert camel_to_snake("UserID") == "user_id"
    assert camel_to_snake("page2Items") == "page2_items"


def test_more():
    assert camel_to_snake("") == ""
    assert camel_to_snake("simple") == "simple"
    assert camel_to_snake("Simple") == "simple"
    assert camel_to_snake("XMLParser") == "xml_parser"
    assert camel_to_snake("getURL") == "get_url"
    assert camel_to_snake("ABC") == "abc"
    assert camel_to_snake("aB") == "a_b"
