"""Hidden tests of maze_path: shortest_path() and the script's output."""

import subprocess
import sys
from pathlib import Path

WORKSPACE = Path(__file__).resolve().parents[1]


def test_the_given_maze():
    from maze import shortest_path

    lines = (WORKSPACE / "maze.txt").read_text().splitlines()
    assert shortest_path(lines) == 14


def test_small_mazes():
    from maze import shortest_path

    assert shortest_path(["SE"]) == 1
    assert shortest_path(["S#E"]) == -1
    assert shortest_path(["S..", "##.", "E.."]) == 6
    assert shortest_path(["S...", ".##.", "...E"]) == 5


def test_the_shortest_of_several_ways():
    from maze import shortest_path

    maze = ["S.....",
            ".####.",
            "....E."]
    assert shortest_path(maze) == 6


def test_a_large_open_maze():
    from maze import shortest_path

    maze = ["S" + "." * 199] + ["." * 200 for _ in range(198)] + ["." * 199 + "E"]
    assert shortest_path(maze) == 398


def test_script_prints_the_number():
    run = subprocess.run([sys.executable, "maze.py", "maze.txt"], cwd=WORKSPACE,
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr[-1000:]
    assert run.stdout.strip() == "14"
