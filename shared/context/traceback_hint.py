"""Point at the line a Python traceback names, so that the model reads just those lines.

    traceback_hint(observation_text, workspace)
    -> "Where to look: the error (KeyError: 'email') was raised in service/users.py line 43, in
        public_view. read_file(path='service/users.py', start=38, end=48) shows the lines around it."

A traceback lists every frame from the outside in; the frame that matters is usually the last
one in the project's own files (the ones after it are in the standard library). A small model
often reads the first file it sees, or the top of it; measured with the 0.5B on phase 4's
fix_users_500, it read lines 1-2 of service/app.py twice and gave up. This line does the
reading of the traceback for it and names the read_file call that shows the cause.
"""

from __future__ import annotations

import re
from pathlib import Path

# `  File "service/users.py", line 43, in public_view` ([ \t]*, not \s*: a run of blank lines
# must not be re-scanned from every line start)
FRAME = re.compile(r'^[ \t]*File "([^"\n]+)", line (\d+), in ([^\s]+)', re.MULTILINE)
TRACEBACK = "Traceback (most recent call last)"
AROUND = 5  # lines shown before and after the named line
ERROR_CHARS = 120


def project_frames(text: str, workspace: Path | None) -> list[tuple[str, int, str]]:
    """(path, line, function) of each frame in a file of the project: a relative path (the tools
    show workspace paths relative to it) that is a file in `workspace` when one is given."""
    frames = []
    for path, line, name in FRAME.findall(text):
        if path.startswith(("/", "<")):
            continue  # the standard library, site-packages, <string>, <frozen ...>
        if workspace is not None and not (Path(workspace) / path).is_file():
            continue
        frames.append((path, int(line), name))
    return frames


def raised_error(text: str) -> str:
    """The exception line of the last traceback in `text` ("KeyError: 'email'"), or ""."""
    after = text[text.rfind(TRACEBACK):]
    frames = list(FRAME.finditer(after))
    if not frames:
        return ""
    for line in after[frames[-1].end():].splitlines()[1:]:
        if line.strip() and not line[0].isspace():
            return line.strip()[:ERROR_CHARS]
    return ""


def traceback_hint(text: str, workspace: Path | None = None) -> str:
    """One line naming where the last traceback in `text` was raised in the project's files, with
    the read_file call that shows it; "" when `text` holds no such traceback."""
    if TRACEBACK not in text:
        return ""
    frames = project_frames(text[text.rfind(TRACEBACK):], workspace)
    if not frames:
        return ""
    path, line, name = frames[-1]
    error = raised_error(text)
    what = f"the error ({error})" if error else "the error"
    return (f"Where to look: {what} was raised in {path} line {line}, in {name}. "
            f"read_file(path='{path}', start={max(1, line - AROUND)}, end={line + AROUND}) "
            "shows the lines around it.")
