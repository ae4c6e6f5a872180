"""Text corpora without downloads: the Python standard library's own source, installed packages,
or any file the learner points at. The same Python version gives the same bytes, file for file.
"""

from __future__ import annotations

import site
import sysconfig
from collections.abc import Iterable
from pathlib import Path

# Folders of the standard library that are not the library itself (tests are huge and noisy,
# site-packages holds third-party code, idlelib/tkinter/turtledemo are GUI-heavy).
SKIP_DIRS = {"test", "tests", "site-packages", "dist-packages", "__pycache__", "idlelib",
             "turtledemo", "lib2to3", "ensurepip", "pydoc_data"}


def stdlib_root() -> Path:
    """The folder that holds the standard library's .py files (e.g. .../lib/python3.11)."""
    return Path(sysconfig.get_paths()["stdlib"])


def site_packages_roots() -> list[Path]:
    """The installed packages' folders of this interpreter (a venv's, if one is active)."""
    roots = {Path(p) for p in site.getsitepackages() if Path(p).is_dir()}
    return sorted(roots)


def python_source_files(
    roots: Iterable[Path], max_files: int | None = None, skip_dirs: set[str] = SKIP_DIRS
) -> list[Path]:
    """All .py files under `roots`, sorted by path so the list is the same on every run.

    When a root is site-packages itself, it is not skipped even though its name is in skip_dirs:
    only folders *below* a root are filtered.
    """
    files: list[Path] = []
    for root in roots:
        root = Path(root)
        for path in sorted(root.rglob("*.py")):
            inside = path.relative_to(root).parts[:-1]
            if any(part in skip_dirs for part in inside):
                continue
            files.append(path)
    files.sort()
    return files[:max_files] if max_files is not None else files


def read_text_file(path: Path, max_bytes: int = 2_000_000) -> str | None:
    """The file's text as UTF-8, or None if it is binary, undecodable, huge or unreadable."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if len(data) > max_bytes or b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def stdlib_text(max_bytes: int = 2_000_000) -> tuple[str, list[Path]]:
    """Concatenate standard-library modules in path order until `max_bytes` (UTF-8) is reached.

    Returns the text and exactly the files it came from. Each file is preceded by a comment line
    naming it, so the corpus reads like a tour of the library. Stops before the file that would
    overflow `max_bytes`, so no file is cut in half.
    """
    parts: list[str] = []
    used: list[Path] = []
    size = 0
    root = stdlib_root()
    # Returns as soon as the budget is nearly full, so a small corpus does not read every file.
    for path in python_source_files([root]):
        text = read_text_file(path)
        if not text:
            continue
        chunk = f"# file: {path.relative_to(root).as_posix()}\n{text}\n"
        chunk_size = len(chunk.encode("utf-8"))
        if size + chunk_size > max_bytes:
            continue
        parts.append(chunk)
        used.append(path)
        size += chunk_size
        if size > max_bytes * 0.999:
            break
    return "".join(parts), used
