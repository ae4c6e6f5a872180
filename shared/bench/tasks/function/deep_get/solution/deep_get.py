def deep_get(data, path: str, default=None):
    """Follow a dotted path through nested dicts and lists and return what is there, or
    `default` when any step is missing. A step into a list is a whole number (an index; negative
    indexes are not allowed). An empty path returns `data` itself.

    >>> deep_get({"a": {"b": [10, {"c": 5}]}}, "a.b.1.c")
    5
    >>> deep_get({"a": 1}, "a.x", default="?")
    '?'
    """
    current = data
    for step in path.split(".") if path else []:
        if isinstance(current, dict) and step in current:
            current = current[step]
        elif isinstance(current, list) and step.isdigit() and int(step) < len(current):
            current = current[int(step)]
        else:
            return default
    return current
