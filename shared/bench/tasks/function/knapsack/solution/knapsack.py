def knapsack(items: list[tuple[int, int]], capacity: int) -> int:
    """The largest total value of items that fit in a bag holding `capacity` kilograms.
    Each item is (weight, value) in whole kilograms and may be taken at most once.

    >>> knapsack([(1, 1), (3, 4), (4, 5), (5, 7)], 7)
    9
    >>> knapsack([(5, 10)], 4)
    0
    """
    best = [0] * (capacity + 1)
    for weight, value in items:
        for room in range(capacity, weight - 1, -1):
            best[room] = max(best[room], best[room - weight] + value)
    return best[capacity] if capacity >= 0 else 0
