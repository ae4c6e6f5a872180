"""The workspace's files, listed in the task so that the model names real ones.

    file_list(Path("runs/phase4/ws"))  ->  "service/app.py, service/users.py, tests/test_service.py"

Measured with the 0.5B on phase 4's fixture: not told which files exist, it edited
`service/update_email.py` and `service/report.py`, names made from the task's words and from
the worked example, and took the error for an answer. One line of names costs a few dozen tokens
of the pinned part; reading a folder costs a tool call the model does not think to make.
"""

from __future__ import annotations

from pathlib import Path

SKIPPED = ("__pycache__",)
MAX_FILES = 40


def file_list(root: Path, limit: int = MAX_FILES) -> str:
    """The files under `root` (relative, sorted; hidden ones and caches left out), comma
    separated, with "and N more" past `limit`; "" for none."""
    root = Path(root)
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                   if p.is_file() and not any(part.startswith(".") or part in SKIPPED
                                              for part in p.relative_to(root).parts))
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
