def moving_average(values: list[float], window: int) -> list[float]:
    """The averages of every `window` consecutive values, in order: len(values) - window + 1
    numbers, or [] when there are fewer values than `window`. Raise ValueError when window < 1.

    >>> moving_average([1, 2, 3, 4, 5], 2)
    [1.5, 2.5, 3.5, 4.5]
    >>> moving_average([1, 2], 3)
    []
    """
    raise NotImplementedError
