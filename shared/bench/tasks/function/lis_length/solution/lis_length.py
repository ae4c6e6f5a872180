def lis_length(numbers: list[int]) -> int:
    """The length of the longest strictly increasing subsequence of `numbers` (its elements
    keep their order but need not be next to each other).

    >>> lis_length([10, 9, 2, 5, 3, 7, 101, 18])
    4
    >>> lis_length([3, 3, 3])
    1
    """
    import bisect

    tails: list[int] = []
    for number in numbers:
        place = bisect.bisect_left(tails, number)
        if place == len(tails):
            tails.append(number)
        else:
            tails[place] = number
    return len(tails)
