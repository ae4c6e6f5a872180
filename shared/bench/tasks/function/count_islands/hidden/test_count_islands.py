"""Hidden tests of count_islands (count_islands.py): copied in only for grading."""

from count_islands import count_islands


def test_examples():
    assert count_islands(["##..", "#..#", "...#"]) == 2
    assert count_islands(["#.#", ".#.", "#.#"]) == 5


def test_edges():
    assert count_islands([]) == 0
    assert count_islands(["...", "..."]) == 0
    assert count_islands(["###", "###"]) == 1
    assert count_islands(["#"]) == 1
    assert count_islands(["#.#.#"]) == 3
    assert count_islands(["###", "#.#", "###"]) == 1


def test_large_island_no_recursion_limit():
    grid = ["#" * 200 for _ in range(200)]
    assert count_islands(grid) == 1
    snake = ["#" * 100 if i % 2 == 0 else ("." * 99 + "#" if i % 4 == 1 else "#" + "." * 99)
             for i in range(99)]
    assert count_islands(snake) == 1
