def meeting_rooms(meetings: list[tuple[int, int]]) -> int:
    """The smallest number of rooms that hold all the meetings, each given as (start, end) in
    minutes with start < end. A meeting that ends at minute t frees its room for one starting
    at t.

    >>> meeting_rooms([(0, 30), (5, 10), (15, 20)])
    2
    >>> meeting_rooms([(1, 5), (5, 8)])
    1
    """
    events = sorted([(start, 1) for start, _ in meetings] + [(end, -1) for _, end in meetings])
    rooms = most = 0
    for _, change in events:  # at the same minute, ends (-1) sort before starts (+1)
        rooms += change
        most = max(most, rooms)
    return most
