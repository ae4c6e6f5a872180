def meeting_rooms(meetings: list[tuple[int, int]]) -> int:
    """The smallest number of rooms that hold all the meetings, each given as (start, end) in
    minutes with start < end. A meeting that ends at minute t frees its room for one starting
    at t.

    >>> meeting_rooms([(0, 30), (5, 10), (15, 20)])
    2
    >>> meeting_rooms([(1, 5), (5, 8)])
    1
    """
    raise NotImplementedError
