def deep_get(data, path: str, default=None):
    """Follow a dotted path through nested dicts and lists and return what is there, or
    `default` when any step is missing. A step into a list is a whole number (an index; negative
    indexes are not allowed). An empty path returns `data` itself.

    >>> deep_get({"a": {"b": [10, {"c": 5}]}}, "a.b.1.c")
    5
    >>> deep_get({"a": 1}, "a.x", default="?")
    '?'
    """
    raise NotImplementedError
