def fewest_coins(amount: int, coins: list[int]) -> int:
    """The smallest number of coins (each value may be used any number of times) that add up
    to `amount`, or -1 when no combination does. An amount of 0 needs 0 coins.

    >>> fewest_coins(11, [1, 2, 5])
    3
    >>> fewest_coins(3, [2])
    -1
    >>> fewest_coins(6, [1, 3, 4])
    2
    """
    best = [0] + [-1] * amount
    for total in range(1, amount + 1):
        options = [best[total - c] for c in coins if 0 < c <= total and best[total - c] >= 0]
        best[total] = min(options) + 1 if options else -1
    return best[amount]
