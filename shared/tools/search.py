"""Searching the workspace instead of reading it: a grep with context lines, a file filter and a cap.

    hits = search(root, "user_id", glob="*.py", context=2)    # ripgrep when installed, else Python
    print(format_hits(hits, max_matches=30))
    # service/users.py:12: def get_user(user_id):
    # service/users.py-13-     user = find_user(user_id)
    # --
    # ...

Two engines give the same results (a test checks it): ripgrep (`rg --json`, Debian's
`ripgrep` package, which `make setup` installs when it can) and a pure-Python walk. Both
search UTF-8 text files under a folder, skip hidden files and folders (a name starting with "."
below the searched folder), binary files (a NUL byte) and symbolic links, read no ignore files,
and match one line at a time. Both hand back the same records, which we then sort and cap in
Python, so the order never depends on the engine.

A pattern is a Python regular expression; one that does not compile (`get_user(` with its
bracket open, as models often write) is searched as plain text instead, and ripgrep refusing a
pattern that Python accepts (a look-ahead) sends the search to the Python engine.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ENGINES = ("auto", "ripgrep", "python")
MAX_LINE_CHARS = 200  # a matching line longer than this is cut in the listing


class SearchError(Exception):
    """A search that cannot run (bad glob, missing folder); the message is for the model."""


@dataclass(frozen=True, order=True)
class LineHit:
    """One line of a search result: a matching line, or a context line around one."""

    path: str   # relative to the workspace root, with "/" separators
    line: int   # 1-based line number
    text: str   # the line without its line ending
    match: bool  # True for a matching line, False for a context line


def ripgrep_path() -> str | None:
    """The `rg` executable, or None when ripgrep is not installed."""
    return shutil.which("rg")


def compile_pattern(pattern: str, ignore_case: bool = False) -> tuple[re.Pattern[str], bool]:
    """(compiled pattern, literal): a pattern that is not a valid regex is searched as plain text."""
    flags = re.IGNORECASE if ignore_case else 0
    try:
        return re.compile(pattern, flags), False
    except re.error:
        return re.compile(re.escape(pattern), flags), True


def check_glob(glob: str) -> None:
    if "/" in glob or "\\" in glob:
        raise SearchError(f"glob {glob!r} filters file names only (like *.py or test_*.py); "
                          "put the folder in path instead")


def search(root: Path, pattern: str, path: str = ".", glob: str = "", context: int = 0,
           ignore_case: bool = False, engine: str = "auto") -> list[LineHit]:
    """Every matching line (and `context` lines around each) in the files under root/path,
    sorted by file and line. engine: "auto" (ripgrep when installed), "ripgrep" or "python"."""
    if engine not in ENGINES:
        raise ValueError(f"unknown search engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if not pattern:
        raise SearchError("the pattern is empty: give the text or regular expression to look for")
    check_glob(glob)
    root = Path(root).resolve()
    target = (root / path).resolve()
    if not target.exists():
        raise SearchError(f"there is no file or folder {path!r}; call list_files to see what exists")
    context = max(0, int(context))
    if engine == "python" or (engine == "auto" and ripgrep_path() is None):
        hits = search_with_python(root, target, pattern, glob, context, ignore_case)
    else:
        hits = search_with_ripgrep(root, target, pattern, glob, context, ignore_case)
        if hits is None:  # ripgrep refused the pattern: Python's regex dialect decides
            hits = search_with_python(root, target, pattern, glob, context, ignore_case)
    return sorted(set(hits))


# The Python engine -----------------------------------------------------------------------------
def candidate_files(target: Path, glob: str) -> list[Path]:
    """The files a search looks at: under `target`, no hidden parts, no symbolic links."""
    if target.is_file():
        return [target]
    files = []
    for folder, dirnames, filenames in os.walk(target, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            full = Path(folder) / name
            if name.startswith(".") or full.is_symlink():
                continue
            if glob and not fnmatch.fnmatchcase(name, glob):
                continue
            files.append(full)
    return files


def search_with_python(root: Path, target: Path, pattern: str, glob: str, context: int,
                       ignore_case: bool) -> list[LineHit]:
    regex, _literal = compile_pattern(pattern, ignore_case)
    hits: list[LineHit] = []
    for file in candidate_files(target, glob):
        data = file.read_bytes()
        if b"\0" in data:
            continue  # binary
        lines = split_lines(data.decode("utf-8", errors="replace"))
        matched = [i for i, line in enumerate(lines) if regex.search(line)]
        shown: set[int] = set()
        for i in matched:
            shown.update(range(max(0, i - context), min(len(lines), i + context + 1)))
        relative = file.relative_to(root).as_posix()
        matched_set = set(matched)
        hits += [LineHit(relative, i + 1, lines[i], i in matched_set) for i in sorted(shown)]
    return hits


def split_lines(text: str) -> list[str]:
    """Lines without their endings, as ripgrep counts them (a final newline ends the last line)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


# The ripgrep engine ----------------------------------------------------------------------------
def search_with_ripgrep(root: Path, target: Path, pattern: str, glob: str, context: int,
                        ignore_case: bool) -> list[LineHit] | None:
    """The same search through `rg --json`; None when ripgrep refuses the pattern."""
    rg = ripgrep_path()
    if rg is None:
        raise SearchError("ripgrep (rg) is not installed; use engine='python' or install ripgrep")
    _regex, literal = compile_pattern(pattern, ignore_case)
    command = [rg, "--json", "--no-config", "--no-ignore", "--crlf", "--context", str(context)]
    command += ["--ignore-case"] if ignore_case else ["--case-sensitive"]
    if literal:
        command.append("--fixed-strings")
    if glob:
        command += ["--glob", glob]
    command += ["--glob", "!.*"]  # a file glob would let hidden files back in; the last glob wins
    command += ["--regexp", pattern, "--", str(target)]
    done = subprocess.run(command, capture_output=True, timeout=60)
    if done.returncode == 2 and not done.stdout:
        return None  # the pattern (or the search) was refused: let the Python engine decide
    hits = []
    for raw in done.stdout.splitlines():
        event = json.loads(raw)
        if event["type"] not in ("match", "context"):
            continue
        data = event["data"]
        path = Path(_text(data["path"]))
        text = _text(data["lines"]).removesuffix("\n").removesuffix("\r")
        hits.append(LineHit(path.relative_to(root).as_posix(), data["line_number"], text,
                            event["type"] == "match"))
    return hits


def _text(field: dict) -> str:
    """ripgrep's JSON gives text as {"text": ...}, or {"bytes": base64} when it is not UTF-8."""
    if "text" in field:
        return field["text"]
    import base64

    return base64.b64decode(field["bytes"]).decode("utf-8", errors="replace")


# What the model reads ----------------------------------------------------------------------------
def cap_hits(hits: list[LineHit], max_matches: int, context: int) -> tuple[list[LineHit], int]:
    """The hits up to the `max_matches`-th matching line (and its context after); also returns
    how many matching lines were left out."""
    kept: list[LineHit] = []
    matches = 0
    last: LineHit | None = None
    for hit in hits:
        if hit.match:
            matches += 1
            if matches > max_matches:
                continue
            last = hit
            kept.append(hit)
        elif matches < max_matches or (
                last is not None and hit.path == last.path and hit.line <= last.line + context
                and matches == max_matches):
            kept.append(hit)
    return kept, max(0, matches - max_matches)


def format_hits(hits: list[LineHit], max_matches: int = 50, context: int = 0,
                max_chars: int = 2800) -> str:
    """grep's layout: `path:line: text` for a match, `path-line- text` for context, `--` between
    groups; then how many matches in how many files, and what was left out."""
    if not hits:
        return "no matches"
    kept, left_out = cap_hits(hits, max_matches, context)
    lines: list[str] = []
    previous: LineHit | None = None
    for hit in kept:
        if previous is not None and (hit.path != previous.path or hit.line != previous.line + 1):
            lines.append("--")
        mark = ":" if hit.match else "-"
        text = hit.text if len(hit.text) <= MAX_LINE_CHARS else hit.text[:MAX_LINE_CHARS] + " [...]"
        lines.append(f"{hit.path}{mark}{hit.line}{mark} {text}")
        previous = hit
    matches = sum(h.match for h in hits)
    files = len({h.path for h in hits if h.match})
    footer = f"[{matches} matching line{'s' * (matches != 1)} in {files} file{'s' * (files != 1)}"
    footer += f"; {left_out} not shown: narrow the pattern, the path or the glob]" if left_out else "]"
    body = "\n".join(lines)
    if len(body) + len(footer) + 1 > max_chars:  # keep whole lines, stay under the observation limit
        cut = body[: max_chars - len(footer) - 80].rsplit("\n", 1)[0]
        shown = cut.count("\n") + 1
        body = f"{cut}\n[... {len(lines) - shown} more result lines cut: narrow the search ...]"
    return f"{body}\n{footer}"
