"""The tools agents use, apart from the core that runs them (shared.agent): plain functions whose
JSON schema comes from their signature and docstring.

- filesystem and shell (phase 3): list_files, read_file, write_file, edit_file, run_python,
  run_shell, all confined to a workspace (`workspace_tools`);
- reading a project piece by piece (phase 4): read_file with line ranges, search_files with
  ripgrep or pure Python (`context_tools`, `search`; `build_registry` gives phase 4's set);
- coding (phase 5): run_tests, pytest in the sandbox with a parsed summary (`run_tests_tool`).

    from shared.tools import build_registry, run_tests_tool
    registry = build_registry(ws)      # phase 4's tools and final_answer
"""

from shared.tools.file_tools import build_registry, context_tools, strip_line_numbers
from shared.tools.search import SearchError, format_hits, ripgrep_path, search
from shared.tools.test_runner import (
    TestSummary,
    run_pytest,
    run_tests_tool,
    workspace_test_files,
)
from shared.tools.workspace_tools import workspace_tools

__all__ = [
    "SearchError", "TestSummary", "build_registry", "context_tools", "format_hits", "ripgrep_path",
    "run_pytest", "run_tests_tool", "search", "strip_line_numbers", "workspace_test_files",
    "workspace_tools",
]
