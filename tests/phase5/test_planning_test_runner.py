"""run_tests: pytest in the sandbox, read back as counts and short tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.agent import ToolRegistry
from shared.tools.test_runner import (
    SHOWN_FAILURES,
    parse_pytest_output,
    run_pytest,
    run_tests_tool,
    trim_traceback,
    workspace_test_files,
)

CANNED = """\
F.E                                                                      [100%]
==================================== ERRORS ====================================
_________________________ ERROR at setup of test_setup _________________________
test_calc.py:9: in boom
    raise RuntimeError("setup broke")
E   RuntimeError: setup broke
=================================== FAILURES ===================================
___________________________________ test_add ___________________________________
test_calc.py:4: in test_add
    assert add(1, 2) == 3
E   assert -1 == 3
E    +  where -1 = add(1, 2)
=========================== short test summary info ============================
FAILED test_calc.py::test_add - assert -1 == 3
ERROR test_calc.py::test_setup - RuntimeError: setup broke
1 failed, 1 passed, 1 error in 0.05s
"""


def test_canned_output_is_parsed_into_counts_and_failures() -> None:
    summary = parse_pytest_output(CANNED, 1)
    assert (summary.passed, summary.failed, summary.errors) == (1, 1, 1)
    assert not summary.ok and summary.total == 3
    add, setup = summary.failures
    assert (add.name, add.kind, add.message) == ("test_calc.py::test_add", "failed", "assert -1 == 3")
    assert "E   assert -1 == 3" in add.traceback and "test_calc.py:4" in add.traceback
    assert (setup.kind, setup.message) == ("error", "RuntimeError: setup broke")
    assert 'raise RuntimeError("setup broke")' in setup.traceback
    text = summary.text()
    assert text.startswith("1 passed, 1 failed, 1 error")
    assert "FAILED test_calc.py::test_add: assert -1 == 3" in text and "run_tests again" in text


def test_a_long_traceback_keeps_its_end_and_drops_python_s_own_frames() -> None:
    frames = "\n".join(f"mine.py:{i}: in f{i}\n    f{i + 1}()" for i in range(30))
    block = ("/usr/lib/python3.11/importlib/__init__.py:126: in import_module\n"
             "    return _bootstrap._gcd_import(name)\n" + frames + "\nE   ValueError: deep")
    trimmed = trim_traceback(block, keep=6)
    assert trimmed.startswith("...") and trimmed.endswith("E   ValueError: deep")
    assert len(trimmed.splitlines()) == 7
    assert "importlib" not in trim_traceback(block, keep=100)


def test_the_text_is_trimmed_and_says_how_many_failures_are_not_shown() -> None:
    summary = parse_pytest_output(CANNED, 1)
    summary.failures = summary.failures * 5
    text = summary.text()
    assert f"[{10 - SHOWN_FAILURES} more failures not shown]" in text
    assert len(summary.text(max_chars=300)) <= 300


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        (folder / name).write_text(source)
    return folder


def test_a_real_run_with_failures_and_a_passing_one(tmp_path: Path) -> None:
    write(tmp_path, {"calc.py": "def add(a, b):\n    return a - b\n",
                     "test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n"
                                     "\ndef test_zero():\n    assert add(0, 0) == 0\n"})
    summary = run_pytest(tmp_path)
    assert (summary.passed, summary.failed, summary.returncode) == (1, 1, 1)
    assert "assert -1 == 3" in summary.failures[0].message
    assert str(tmp_path) not in summary.text(), "paths are shown relative to the workspace"
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    fixed = run_pytest(tmp_path)
    assert fixed.ok and fixed.text() == "All 2 tests passed (.)."


def test_an_import_error_is_an_error_with_its_cause(tmp_path: Path) -> None:
    write(tmp_path, {"test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n"})
    summary = run_pytest(tmp_path)
    assert summary.errors == 1 and not summary.ok
    assert "No module named 'calc'" in summary.text()


def test_no_tests_and_a_test_that_never_ends(tmp_path: Path) -> None:
    empty = run_pytest(tmp_path)
    assert empty.returncode == 5 and not empty.ok and "No tests ran" in empty.text()
    write(tmp_path, {"test_loop.py": "def test_forever():\n    while True:\n        pass\n"})
    endless = run_pytest(tmp_path, timeout_s=3)
    assert endless.timed_out and not endless.ok and "timed out" in endless.text()


def test_the_tool_reports_through_the_registry_and_the_callback(tmp_path: Path) -> None:
    write(tmp_path, {"test_ok.py": "def test_ok():\n    assert True\n"})
    seen = []
    registry = ToolRegistry([run_tests_tool(tmp_path, seen.append)])
    observation = registry.run("run_tests", {})
    assert observation.ok and "All 1 tests passed" in observation.text
    assert len(seen) == 1 and seen[0].ok
    assert registry.run("run_tests", {"path": "../elsewhere"}).kind == "error"
    missing = registry.run("run_tests", {"path": "test_missing.py"})
    assert missing.kind == "error" and "no 'test_missing.py'" in missing.text
    assert len(seen) == 1, "a refused call runs nothing"


def test_test_files_finds_both_names_and_skips_hidden_folders(tmp_path: Path) -> None:
    (tmp_path / ".hidden_tests").mkdir()
    write(tmp_path, {"test_a.py": "", "b_test.py": "", "c.py": "", ".hidden_tests/test_h.py": ""})
    assert [p.name for p in workspace_test_files(tmp_path)] == ["b_test.py", "test_a.py"]


@pytest.mark.parametrize("line", ["2 passed in 0.01s", "=== 2 passed in 0.01s ==="])
def test_the_count_line_with_or_without_decoration(line: str) -> None:
    summary = parse_pytest_output(f"..\n{line}\n", 0)
    assert summary.ok and summary.passed == 2


def test_a_module_used_but_not_imported_gets_a_hint(tmp_path: Path) -> None:
    write(tmp_path, {"test_x.py": "def test_raises():\n    with pytest.raises(ValueError):\n"
                                  "        int('x')\n\ndef test_other():\n    assert undefined_thing\n"})
    summary = run_pytest(tmp_path)
    assert summary.failed == 2
    assert summary.hints() == ["pytest is a module: add `import pytest` at the top of test_x.py "
                               "(edit_file, or write_file with the whole file)."]
    assert "Hint: pytest is a module" in summary.text()
