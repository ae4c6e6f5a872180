"""Hidden tests of line_report: report.txt names every .py file of the starting workspace with
its line count (counted here from the original files, which the task gives)."""

import re
from pathlib import Path

import pytest

WORKSPACE = Path(__file__).resolve().parents[1]
EXPECTED = {"app/main.py": 12, "app/util.py": 5, "build.py": 3}
ENTRY = re.compile(r"([\w./-]+\.py)\W+(\d+)")


def report_entries() -> list[tuple[str, int]]:
    report = WORKSPACE / "report.txt"
    assert report.is_file(), "no report.txt was written"
    text = report.read_text(encoding="utf-8", errors="replace")
    return [(m.group(1), int(m.group(2))) for m in map(ENTRY.search, text.splitlines()) if m]


def test_report_exists_with_one_line_per_file():
    entries = report_entries()
    assert len(entries) >= len(EXPECTED), f"report.txt names only {entries}"


@pytest.mark.parametrize("path, count", sorted(EXPECTED.items()))
def test_each_py_file_has_its_count(path, count):
    name = Path(path).name
    found = [n for p, n in report_entries() if Path(p).name == name]
    assert found, f"report.txt has no line for {path}"
    assert count in found, f"report.txt says {path} has {found} lines; it has {count}"


def test_only_py_files_are_listed():
    text = (WORKSPACE / "report.txt").read_text(encoding="utf-8", errors="replace")
    for other in ("README.md", "data.csv"):
        assert other not in text, f"report.txt lists {other}, which is not a .py file"
