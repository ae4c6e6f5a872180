def camel_to_snake(name: str) -> str:
    """Turn a camelCase or PascalCase name into snake_case. A run of capitals is one word (an
    acronym), except that its last capital starts the next word when a lower-case letter
    follows it. Digits stay attached to the word before them.

    >>> camel_to_snake("parseHTTPResponse")
    'parse_http_response'
    >>> camel_to_snake("UserID")
    'user_id'
    >>> camel_to_snake("page2Items")
    'page2_items'
    """
    raise NotImplementedError
