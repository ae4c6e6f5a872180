def topo_sort(dependencies: dict[str, list[str]]) -> list[str]:
    """Order tasks so that each comes after everything it depends on. `dependencies` maps a
    task to the tasks it needs; a task that only appears in a list is a task too. When several
    tasks could come next, take the alphabetically smallest. Raise ValueError on a cycle.

    >>> topo_sort({"build": ["fetch"], "test": ["build"], "fetch": []})
    ['fetch', 'build', 'test']
    >>> topo_sort({"b": [], "a": [], "c": ["b"]})
    ['a', 'b', 'c']
    """
    import heapq

    needs: dict[str, set[str]] = {}
    for task, required in dependencies.items():
        needs.setdefault(task, set()).update(required)
        for other in required:
            needs.setdefault(other, set())
    users: dict[str, list[str]] = {task: [] for task in needs}
    for task, required in needs.items():
        for other in required:
            users[other].append(task)
    ready = [task for task, required in needs.items() if not required]
    heapq.heapify(ready)
    waiting = {task: len(required) for task, required in needs.items()}
    order = []
    while ready:
        task = heapq.heappop(ready)
        order.append(task)
        for user in users[task]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, user)
    if len(order) != len(needs):
        raise ValueError("the dependencies have a cycle")
    return order
