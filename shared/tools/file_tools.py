"""Phase 4's tools: read a part of a file, search instead of reading, and the registry that holds them.

    registry = build_registry(Path("runs/ws"))       # phase 3's tools, with these three changes:
    registry.run("read_file", {"path": "service/users.py", "start": 40, "end": 60})
    registry.run("search_files", {"pattern": "user_id", "glob": "*.py", "context": 1})

- `read_file(path, start, end)` shows numbered lines, a window at a time, and says how to read
  the rest: a long file no longer floods the context in one call.
- `search_files(pattern, path, glob, context, max_results)` is a grep (search.py): find the
  lines that matter, then read just those.
- `edit_file` is phase 3's, made tolerant of the line numbers read_file shows: a model that
  copies `  12| def f():` into `old` gets its edit anyway.

The other tools (list_files, write_file, run_python, run_shell) and final_answer come unchanged
from shared.agent: this phase adds tools, it does not copy them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from pathlib import Path

from shared.agent import ToolError, ToolRegistry, final_answer
from shared.agent.guardrails import Approver, deny_risky
from shared.agent.paths import PathRefused, inside_workspace
from shared.agent.registry import MAX_OBSERVATION_CHARS
from shared.tools.search import SearchError, format_hits, search
from shared.tools.workspace_tools import workspace_tools

READ_LINES = 80          # lines read_file shows when no end is given
MAX_READ_CHARS = MAX_OBSERVATION_CHARS - 300  # stay under the registry's cut (it would cut the middle)
MAX_RESULTS = 30         # matching lines search_files shows by default
LINE_NUMBER = re.compile(r"^ *\d+\| ?", re.MULTILINE)


def numbered(lines: list[str], first: int) -> str:
    """Lines with their numbers in front: `  12| text` (the number is not part of the file)."""
    width = len(str(first + len(lines) - 1))
    return "\n".join(f"{n:>{width}}| {line}" for n, line in enumerate(lines, start=first))


def strip_line_numbers(text: str) -> str:
    """`  12| def f():` -> `def f():` on every line, when every line carries a number."""
    lines = text.split("\n")
    if all(LINE_NUMBER.match(line) for line in lines if line.strip()):
        return LINE_NUMBER.sub("", text)
    return text


def similar_paths(root: Path, path: str) -> list[str]:
    """Files of the workspace a mistyped path may have meant: `service.app` -> service/app.py."""
    wanted = path.strip("/").replace("\\", "/")
    guesses = {wanted, wanted.replace(".", "/") + ".py", wanted.rsplit(".", 1)[0].replace(".", "/") + ".py"}
    files = [p.relative_to(root).as_posix() for p in root.rglob("*")
             if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    exact = [f for f in files if f in guesses]
    return exact or difflib.get_close_matches(wanted, files, n=2, cutoff=0.6)


def closest_lines(text: str, old: str, n: int = 2) -> list[tuple[int, str]]:
    """The lines of `text` (number, line) most like the first non-blank line of `old`."""
    first = next((line.strip() for line in old.splitlines() if line.strip()), "")
    if not first:
        return []
    lines = text.splitlines()
    scored = sorted(((difflib.SequenceMatcher(None, first, line.strip()).ratio(), i)
                     for i, line in enumerate(lines) if line.strip()), reverse=True)
    return [(i + 1, lines[i]) for ratio, i in scored[:n] if ratio >= 0.5]


def closest_hint(root: Path, path: str, old: str) -> str:
    """A sentence that points a failed edit at what the model probably meant (measured: the 1.5B
    wrote `if user['email']` for the line `"email": user["email"],` and retried it verbatim)."""
    try:
        target = inside_workspace(root, path)
    except PathRefused:
        return ""
    if not target.is_file():
        paths = similar_paths(root, path)
        return f" (did you mean {' or '.join(paths)}?)" if paths else ""
    close = closest_lines(target.read_text(encoding="utf-8", errors="replace"), old)
    if not close:
        return ""
    shown = "; ".join(f"line {n}: {line.strip()!r}" for n, line in close)
    return f". The closest lines in {path} are {shown}: copy one exactly into old"


def context_tools(root: Path, engine: str = "auto") -> list[Callable[..., object]]:
    """read_file (line ranges), search_files and a line-number-tolerant edit_file, bound to `root`."""
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    phase3_edit = next(t for t in workspace_tools(root) if t.__name__ == "edit_file")

    def where(path: str) -> Path:
        try:
            return inside_workspace(root, path)
        except PathRefused as err:
            raise ToolError(str(err)) from None

    def read_file(path: str, start: int = 1, end: int = 0) -> str:
        """Read lines of a text file of the workspace, shown with their line numbers.

        Args:
            path: the file, relative to the workspace root, e.g. service/users.py.
            start: the first line to show (1 is the first line of the file).
            end: the last line to show (0: up to 80 lines from start).
        """
        target = where(path)
        if not target.is_file():
            raise ToolError(f"there is no file {path!r}{closest_hint(root, path, '')}; call "
                            "list_files or search_files to find it")
        lines = target.read_text(encoding="utf-8", errors="replace").splitlines()
        if not lines:
            return f"{path} is empty"
        start = max(1, start)
        if start > len(lines):
            raise ToolError(f"{path} has only {len(lines)} lines; start must be 1 to {len(lines)}")
        end = min(len(lines), end if end >= start else start + READ_LINES - 1)
        shown = lines[start - 1:end]
        while len(numbered(shown, start)) > MAX_READ_CHARS and len(shown) > 1:
            shown = shown[: max(1, len(shown) * 3 // 4)]  # long lines: show fewer of them
        end = start + len(shown) - 1
        header = f"{path}, lines {start}-{end} of {len(lines)}:"
        text = f"{header}\n{numbered(shown, start)}"
        if end < len(lines):
            text += (f"\n[{len(lines) - end} more lines: read_file(path={path!r}, start={end + 1}) "
                     "shows the next ones; search_files finds a line by its text]")
        return text

    def search_files(pattern: str, path: str = ".", glob: str = "", context: int = 2,
                     max_results: int = MAX_RESULTS) -> str:
        """Search the files of the workspace for a text or regular expression (like grep).

        Args:
            pattern: the text or Python regular expression to look for, e.g. def get_user.
            path: the folder (or file) to search, relative to the workspace root.
            glob: only files whose name matches, e.g. *.py (empty: every file).
            context: how many lines to show before and after each matching line.
            max_results: the most matching lines to show.
        """
        where(path)
        try:
            hits = search(root, pattern, path, glob, min(max(context, 0), 10), engine=engine)
        except SearchError as err:
            raise ToolError(str(err)) from None
        return format_hits(hits, max(1, max_results), context, max_chars=MAX_READ_CHARS)

    def edit_file(path: str, old: str, new: str) -> object:
        """Replace one piece of text in a file of the workspace (e.g. the one wrong line).

        Args:
            path: the file, relative to the workspace root.
            old: the exact text to replace, copied from the file (a whole line is safest).
            new: the text to put in its place.
        """
        try:
            return phase3_edit(path, old, new)
        except ToolError as err:
            bare_old, bare_new = strip_line_numbers(old), strip_line_numbers(new)
            if bare_old == old:
                raise ToolError(f"{err}{closest_hint(root, path, old)}") from None
            return phase3_edit(path, bare_old, bare_new)  # the model copied read_file's numbers

    return [read_file, search_files, edit_file]


def build_registry(workspace: Path, approve: Approver | None = None,
                   engine: str = "auto") -> ToolRegistry:
    """Phase 3's workspace tools with phase 4's read_file, search_files and edit_file in place of
    the old read_file and edit_file, plus final_answer."""
    phase3 = {fn.__name__: fn for fn in workspace_tools(workspace, approve=approve or deny_risky)}
    read_file, search_files, edit_file = context_tools(workspace, engine)
    return ToolRegistry([phase3["list_files"], read_file, search_files, phase3["write_file"],
                         edit_file, phase3["run_python"], phase3["run_shell"], final_answer])
