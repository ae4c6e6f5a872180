"""The four test tasks, each with the files it needs and a check of the program's output.

1. print_1_to_10   Print the numbers 1 to 10.
2. is_17_prime     A function that tests primality, used to print whether 17 is prime.
3. csv_summary     Read sales.csv (written into the workspace) and print the total per product.
4. missing_package Use pandas, which the sandbox does not have: the model must adapt (fall back
                   to the standard library) or the loop must fail gracefully.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass
class Task:
    """A task in plain English, the files its workspace starts with, and how to judge stdout."""

    name: str
    prompt: str
    check: Callable[[str], bool]
    files: dict[str, str] = field(default_factory=dict)  # file name -> content
    expect: str = ""  # what a correct output looks like, for people reading the report

    def setup(self, workspace: Path) -> None:
        """Write the task's files into a (fresh) workspace."""
        for name, content in self.files.items():
            (Path(workspace) / name).write_text(content, encoding="utf-8")


def numbers_in(text: str) -> list[float]:
    return [float(x) for x in NUMBER.findall(text)]


def check_one_to_ten(stdout: str) -> bool:
    return numbers_in(stdout) == [float(i) for i in range(1, 11)]


def check_seventeen_prime(stdout: str) -> bool:
    text = stdout.lower()
    if "not prime" in text or "false" in text:
        return False
    return "true" in text or "is prime" in text or "is a prime" in text


SALES_CSV = """\
date,product,amount
2026-01-03,apple,12.5
2026-01-03,banana,4.0
2026-01-04,apple,7.5
2026-01-05,cherry,20.0
2026-01-05,banana,6.0
2026-01-06,cherry,5.0
2026-01-07,apple,10.0
"""
SALES_TOTALS = {"apple": 30.0, "banana": 10.0, "cherry": 25.0}


def check_sales_totals(stdout: str) -> bool:
    """Each product's line shows its total (any number format: 30, 30.0, 30.00)."""
    lines = stdout.lower().split("\n")
    for product, total in SALES_TOTALS.items():
        if not any(product in line and total in numbers_in(line) for line in lines):
            return False
    return True


SCORES_CSV = """\
name,score
ana,91
ben,78
cai,85
dee,66
eli,92.5
"""
SCORES_MEAN = 82.5


def check_scores_mean(stdout: str) -> bool:
    return any(abs(x - SCORES_MEAN) < 0.01 for x in numbers_in(stdout))


TASKS: dict[str, Task] = {
    task.name: task
    for task in [
        Task("print_1_to_10", "Print the numbers 1 to 10.", check_one_to_ten,
             expect="1 2 3 ... 10, in order"),
        Task("is_17_prime",
             "Write a function is_prime(n) that returns True when n is a prime number, "
             "and use it to print whether 17 is prime.",
             check_seventeen_prime, expect="True (17 is prime)"),
        Task("csv_summary",
             "Read the file sales.csv (its first line is the header: date,product,amount) "
             "and print the total amount for each product, one line per product like "
             "'apple: 30.0'.",
             check_sales_totals, files={"sales.csv": SALES_CSV},
             expect="apple 30, banana 10, cherry 25"),
        Task("missing_package",
             "Use pandas to read the file scores.csv (its first line is the header: name,score) "
             "and print the average score.",
             check_scores_mean, files={"scores.csv": SCORES_CSV},
             expect=f"{SCORES_MEAN} (pandas is not installed: adapt or fail gracefully)"),
    ]
}
