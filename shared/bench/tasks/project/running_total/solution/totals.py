def running_total(numbers: list[float]) -> list[float]:
    """The cumulative sums of `numbers`, as a new list."""
    totals = []
    total = 0
    for number in numbers:
        total += number
        totals.append(total)
    return totals
