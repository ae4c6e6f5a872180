def count_islands(grid: list[str]) -> int:
    """Count the islands in a map: each string is a row, "#" is land and "." is water. Land
    cells that touch up, down, left or right (not diagonally) belong to the same island.

    >>> count_islands(["##..", "#..#", "...#"])
    2
    >>> count_islands(["#.#", ".#.", "#.#"])
    5
    """
    seen = set()
    islands = 0
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell != "#" or (r, c) in seen:
                continue
            islands += 1
            todo = [(r, c)]
            seen.add((r, c))
            while todo:
                y, x = todo.pop()
                for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                    if (0 <= ny < len(grid) and 0 <= nx < len(grid[ny])
                            and grid[ny][nx] == "#" and (ny, nx) not in seen):
                        seen.add((ny, nx))
                        todo.append((ny, nx))
    return islands
