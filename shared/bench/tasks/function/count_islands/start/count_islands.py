def count_islands(grid: list[str]) -> int:
    """Count the islands in a map: each string is a row, "#" is land and "." is water. Land
    cells that touch up, down, left or right (not diagonally) belong to the same island.

    >>> count_islands(["##..", "#..#", "...#"])
    2
    >>> count_islands(["#.#", ".#.", "#.#"])
    5
    """
    raise NotImplementedError
