"""Confining file access to the workspace root.

`inside_workspace(root, "notes/a.txt")` gives the resolved path, or raises PathRefused with a
sentence the model can act on. Refused: `..` anywhere in the path, absolute paths outside the
root, and any path that resolves outside the root (a symbolic link pointing out of it).
"""

from __future__ import annotations

from pathlib import Path


class PathRefused(Exception):
    """A path that leaves the workspace. str(err) is the observation the model reads."""


def inside_workspace(root: Path, path: str) -> Path:
    """The absolute, resolved path of `path` inside `root`, or PathRefused."""
    root = Path(root).resolve()
    if not isinstance(path, str) or not path.strip():
        raise PathRefused("the path is empty: give a path relative to the workspace, e.g. notes.txt")
    if "\x00" in path:
        raise PathRefused("the path contains a NUL character")
    candidate = Path(path.strip())
    if ".." in candidate.parts:
        raise PathRefused(f"refused {path!r}: '..' is not allowed; use a path inside the workspace")
    if candidate.is_absolute():
        try:
            candidate.resolve().relative_to(root)
        except ValueError:
            raise PathRefused(
                f"refused {path!r}: absolute paths outside the workspace are not allowed; "
                "use a path relative to the workspace, e.g. sandbox/broken.py"
            ) from None
    resolved = (root / candidate).resolve()  # follows symbolic links
    try:
        resolved.relative_to(root)
    except ValueError:
        raise PathRefused(
            f"refused {path!r}: it leads outside the workspace (through a symbolic link)"
        ) from None
    return resolved
