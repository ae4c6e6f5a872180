"""Hidden tests of calculator: the four functions work, division by zero is handled (by an
exception or by a value that cannot pass for a quotient: None, a message, inf, nan), and the
agent's own test_calculator.py exists and passes."""

import math
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


@pytest.mark.parametrize("name, a, b, expected", [
    ("add", 2, 3, 5), ("add", -1.5, 0.5, -1.0), ("add", 10**12, 1, 10**12 + 1),
    ("subtract", 5, 8, -3), ("subtract", 0.75, 0.25, 0.5),
    ("multiply", -3, 4, -12), ("multiply", 6, 0, 0), ("multiply", 0.5, 0.5, 0.25),
    ("divide", 7, 2, 3.5), ("divide", -9, 3, -3), ("divide", 0, 5, 0)])
def test_operations(name, a, b, expected):
    import calculator

    assert getattr(calculator, name)(a, b) == pytest.approx(expected)


@pytest.mark.parametrize("a", [1, 0, -2.5])
def test_division_by_zero_is_handled(a):
    import calculator

    try:
        result = calculator.divide(a, 0)
    except Exception:  # noqa: BLE001 - raising any exception is one way to handle it
        return
    is_number = isinstance(result, (int, float)) and not isinstance(result, bool)
    assert not is_number or math.isinf(result) or math.isnan(result), (
        f"divide({a}, 0) returned {result!r}, which looks like a normal quotient")


def test_own_tests_exist_and_pass():
    tests = WORKSPACE / "test_calculator.py"
    assert tests.is_file(), "test_calculator.py was not written"
    run = run_own_tests("test_calculator.py")
    assert run.returncode == 0, run.stdout[-1500:] + run.stderr[-500:]
