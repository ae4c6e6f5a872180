"""Shortest way through a maze of # walls from S to E (breadth-first search)."""

import sys
from collections import deque


def shortest_path(lines: list[str]) -> int:
    """Steps from S to E moving up, down, left or right; -1 when E cannot be reached."""
    cells = {(r, c): ch for r, row in enumerate(lines) for c, ch in enumerate(row)}
    start = next(pos for pos, ch in cells.items() if ch == "S")
    steps = {start: 0}
    todo = deque([start])
    while todo:
        r, c = todo.popleft()
        if cells[(r, c)] == "E":
            return steps[(r, c)]
        for nxt in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if cells.get(nxt, "#") != "#" and nxt not in steps:
                steps[nxt] = steps[(r, c)] + 1
                todo.append(nxt)
    return -1


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as handle:
        print(shortest_path(handle.read().splitlines()))
