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
    words: list[str] = []
    current = ""
    for i, char in enumerate(name):
        starts_word = False
        if char.isupper() and current:
            before = name[i - 1]
            after = name[i + 1] if i + 1 < len(name) else ""
            starts_word = not before.isupper() or after.islower()
        if starts_word:
            words.append(current)
            current = ""
        current += char
    if current:
        words.append(current)
    return "_".join(word.lower() for word in words)
