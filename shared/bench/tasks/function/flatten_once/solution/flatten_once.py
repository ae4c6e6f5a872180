def flatten_once(nested: list) -> list:
    """Flatten one level: elements that are lists are replaced by their elements; everything
    else (deeper lists inside them too) is kept as it is.

    >>> flatten_once([1, [2, 3], [], [4, [5]]])
    [1, 2, 3, 4, [5]]
    """
    flat = []
    for element in nested:
        if isinstance(element, list):
            flat.extend(element)
        else:
            flat.append(element)
    return flat
