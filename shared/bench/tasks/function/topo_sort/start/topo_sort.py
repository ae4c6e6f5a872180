def topo_sort(dependencies: dict[str, list[str]]) -> list[str]:
    """Order tasks so that each comes after everything it depends on. `dependencies` maps a
    task to the tasks it needs; a task that only appears in a list is a task too. When several
    tasks could come next, take the alphabetically smallest. Raise ValueError on a cycle.

    >>> topo_sort({"build": ["fetch"], "test": ["build"], "fetch": []})
    ['fetch', 'build', 'test']
    >>> topo_sort({"b": [], "a": [], "c": ["b"]})
    ['a', 'b', 'c']
    """
    raise NotImplementedError
