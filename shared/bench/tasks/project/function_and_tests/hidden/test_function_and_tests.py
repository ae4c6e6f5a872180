"""Hidden tests of function_and_tests: is_palindrome is right, and the agent's own
test_palindrome.py exists, tests is_palindrome and passes."""

import subprocess
import sys
from pathlib import Path

import pytest

WORKSPACE = Path(__file__).resolve().parents[1]

def run_own_tests(test_file: str) -> subprocess.CompletedProcess:
    """Run the agent's own test file with pytest, in the workspace (the parent folder)."""
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           test_file], cwd=WORKSPACE, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("text, expected", [
    ("Racecar", True), ("level", True), ("Level", True), ("hello", False), ("ab", False),
    ("a", True), ("", True), ("Noon", True), ("abca", False)])
def test_is_palindrome(text, expected):
    from palindrome import is_palindrome

    assert bool(is_palindrome(text)) is expected


def test_own_tests_exist_and_use_the_function():
    tests = WORKSPACE / "test_palindrome.py"
    assert tests.is_file(), "test_palindrome.py was not written"
    assert "is_palindrome" in tests.read_text(encoding="utf-8")


def test_own_tests_pass():
    assert (WORKSPACE / "test_palindrome.py").is_file(), "test_palindrome.py was not written"
    run = run_own_tests("test_palindrome.py")
    assert run.returncode == 0, run.stdout[-1500:] + run.stderr[-500:]
