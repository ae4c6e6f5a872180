"""The agent's tools, all confined to one workspace folder.

    tools = workspace_tools(Path("runs/ws"))      # plain functions, ready for ToolRegistry
    registry = ToolRegistry(tools)

read_file, write_file and list_files refuse paths that leave the workspace (paths.py); they read
and write regular files only (a named pipe, a device, a socket or a folder is refused with a
sentence, never waited on), and every write is atomic: a failed write leaves the old file whole.
run_python and run_shell run inside shared.sandbox with the workspace as their folder;
run_shell passes the guardrails' ShellPolicy first (deny list, allow list, approver for the rest).
Writing a .py file that no longer compiles reports the syntax error back at once (lint on edit,
as SWE-agent and aider do): the model learns of its mistake before it runs anything.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from shared.agent.guardrails import Approver, ShellPolicy, deny_risky
from shared.agent.paths import PathRefused, inside_workspace
from shared.agent.registry import Observation, ToolError, truncate
from shared.atomic_write import atomic_write_bytes
from shared.sandbox import RunResult, run_code, run_command

MAX_READ_CHARS = 6000
MAX_LIST_ENTRIES = 200
TIMEOUT_S = 30.0  # per run_python / run_shell call (pytest alone takes seconds on a busy machine)
SNIPPET_FILE = "_agent_snippet.py"  # where run_python(code=...) writes its code, removed after


def describe_run(result: RunResult, root: Path | None = None) -> Observation:
    """A sandbox run as the model should read it: exit code, stdout, stderr, all truncated.
    Paths inside `root` are shown relative to it, as the model knows them."""
    if root is not None:
        prefix = str(root) + "/"
        result.stdout, result.stderr = (result.stdout.replace(prefix, ""),
                                        result.stderr.replace(prefix, ""))
    parts = []
    if result.stdout.strip():
        parts.append(f"stdout:\n{truncate(result.stdout.rstrip(), 2000)}")
    if result.stderr.strip():
        parts.append(f"stderr:\n{truncate(result.stderr.rstrip(), 1500)}")
    status = "timed out" if result.timed_out else f"exit code {result.returncode}"
    text = f"({status})" + ("\n" + "\n".join(parts) if parts else " no output")
    return Observation(text, "ok" if result.ok else "error")


def file_kind(mode: int) -> str:
    """What a stat mode is: "file" (a regular file), "a folder", "a named pipe (FIFO)", ..."""
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def kind_of(path: Path) -> str:
    """"missing", "file", or what else the path is (see file_kind)."""
    try:
        return file_kind(path.stat().st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return "missing"


def read_regular_file(path: Path, shown: str) -> bytes:
    """The bytes of the regular file `path`. It is opened without waiting (a named pipe with no
    writer would block forever) and checked once open, so nothing else is ever read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        kind = file_kind(os.fstat(fd).st_mode)
        if kind != "file":
            raise ToolError(f"{shown} is {kind}, not a regular file: only regular files can be "
                            "read")
        return handle.read()


def read_text(path: Path, shown: str) -> str:
    """The text of a regular file as open() in text mode gives it: bytes that are not UTF-8
    replaced, and line endings read as "\\n"."""
    text = read_regular_file(path, shown).decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def utf8(content: str) -> bytes:
    """`content` as UTF-8, or a ToolError naming the character that cannot be written."""
    try:
        return content.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ToolError(f"the content cannot be written as UTF-8: character {err.start} is "
                        f"{content[err.start]!r}, half of a surrogate pair; remove it and write "
                        "again") from None


def syntax_problem(source: str, filename: str) -> str:
    """'' when `source` compiles, else one line: where and what the syntax error is."""
    try:
        compile(source, filename, "exec")
    except SyntaxError as err:
        return f"line {err.lineno}: {err.msg}" + (f": {err.text.strip()}" if err.text else "")
    except ValueError as err:  # e.g. NUL bytes in the source
        return str(err)
    return ""


def workspace_tools(
    root: Path,
    *,
    shell_policy: ShellPolicy | None = None,
    approve: Approver = deny_risky,
    timeout_s: float = TIMEOUT_S,
) -> list[Callable[..., object]]:
    """The six tools, bound to `root` (created if missing)."""
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    policy = shell_policy or ShellPolicy()

    def where(path: str) -> Path:
        try:
            return inside_workspace(root, path)
        except PathRefused as err:
            raise ToolError(str(err)) from None

    def list_files(path: str = ".") -> str:
        """List the files under a folder of the workspace, with their sizes in bytes.

        Args:
            path: the folder, relative to the workspace root ("." for the whole workspace).
        """
        if path.strip() in {"workspace", "/workspace", "workspace/"} and not (root / "workspace").exists():
            path = "."  # small models often name the root "workspace" or "/workspace"
        folder = where(path)
        if not folder.is_dir():
            raise ToolError(f"{path!r} is not a folder of the workspace")
        entries = sorted(p for p in folder.rglob("*") if p.is_file()
                         and not any(part.startswith(".") for part in p.relative_to(root).parts))
        lines = [f"{p.relative_to(root)} ({p.stat().st_size} bytes)"
                 for p in entries[:MAX_LIST_ENTRIES]]
        if len(entries) > MAX_LIST_ENTRIES:
            lines.append(f"[... {len(entries) - MAX_LIST_ENTRIES} more files not shown ...]")
        return "\n".join(lines) or f"(no files under {path})"

    def read_file(path: str) -> str:
        """Read a text file of the workspace.

        Args:
            path: the file, relative to the workspace root, e.g. sandbox/broken.py.
        """
        target = where(path)
        kind = kind_of(target)
        if kind == "missing":
            raise ToolError(f"there is no file {path!r}; call list_files to see what exists")
        if kind != "file":
            raise ToolError(f"{path} is {kind}, not a regular file: read_file reads regular files "
                            "only; call list_files to see the files")
        text = read_text(target, path)
        if len(text) > MAX_READ_CHARS:
            return text[:MAX_READ_CHARS] + f"\n[... {len(text) - MAX_READ_CHARS} characters cut ...]"
        return text

    def write_file(path: str, content: str) -> Observation:
        """Write a text file of the workspace (replacing it if it exists).

        Args:
            path: the file, relative to the workspace root.
            content: the whole new content of the file.
        """
        target = where(path)
        kind = kind_of(target)
        if kind not in ("missing", "file"):
            raise ToolError(f"{path} is {kind}, not a regular file: write_file writes regular "
                            "files only, so choose another path")
        data = utf8(content)  # before anything is written: a bad character changes nothing
        changed = kind == "missing" or read_regular_file(target, path) != data
        atomic_write_bytes(target, data)  # a temporary file renamed over the old one
        note = f"wrote {len(data)} bytes to {path}"
        if target.suffix == ".py":
            problem = syntax_problem(content, path)
            if problem:
                return Observation(f"{note}, but it does not compile: {problem}. "
                                   "Fix it with edit_file (or write the whole file again).", "error",
                                   changed_files=changed)
        return Observation(note, changed_files=changed)

    def edit_file(path: str, old: str, new: str) -> Observation:
        """Replace one piece of text in a file of the workspace (e.g. the one wrong line).

        Args:
            path: the file, relative to the workspace root.
            old: the exact text to replace, copied from the file (a whole line is safest).
            new: the text to put in its place.
        """
        target = where(path)
        kind = kind_of(target)
        if kind == "missing":
            raise ToolError(f"there is no file {path!r} to edit; to create a new file, call "
                            "write_file with its whole content")
        if kind != "file":
            raise ToolError(f"{path} is {kind}, not a regular file: edit_file edits regular files "
                            "only")
        text = read_text(target, path)
        if not old:
            raise ToolError("old is empty: copy the exact text to replace from the file")
        if old == new:
            raise ToolError("old and new are the same, so nothing would change: put the "
                            "corrected text in new")
        count = text.count(old)
        if count == 0 and old.strip() and text.count(old.strip()) == 1:
            old, new, count = old.strip(), new.strip(), 1  # the model's indentation was off
        if count == 0:
            raise ToolError(f"the text of old was not found in {path}; read the file and copy "
                            "the exact text to replace")
        if count > 1:
            raise ToolError(f"the text of old appears {count} times in {path}; include more of "
                            "the surrounding line so that it appears once")
        return write_file(path, text.replace(old, new, 1))

    def run_python(code: str = "", path: str = "") -> Observation:
        """Run Python code, or a Python file of the workspace, and return its output.

        Args:
            code: Python source to run (leave empty to run a file).
            path: a .py file of the workspace to run instead, e.g. sandbox/broken.py.
        """
        if path:
            script = where(path)
            if not script.is_file():
                raise ToolError(f"there is no file {path!r} to run")
            observation = describe_run(run_command(
                [sys.executable, str(script.relative_to(root))], workspace=root, timeout_s=timeout_s),
                root)
            if not observation.ok:
                observation.text += (f"\n{path} failed: the last lines of the traceback say where and "
                                     "why. Fix that line with edit_file, then run it again.")
            return observation
        if not code.strip():
            raise ToolError("give either code to run or the path of a .py file")
        try:
            return describe_run(run_code(code, workspace=root, timeout_s=timeout_s,
                                         filename=SNIPPET_FILE), root)
        finally:
            (root / SNIPPET_FILE).unlink(missing_ok=True)

    def run_shell(command: str) -> Observation:
        """Run a shell command in the workspace folder (e.g. `python sandbox/broken.py`, `ls`).

        Args:
            command: the command line, run with /bin/sh in the workspace root.
        """
        verdict = policy.check(command)
        if verdict.decision == "deny":
            return Observation(f"refused: {verdict.reason}. Use another way.", "refused")
        if verdict.decision == "ask" and not approve("run_shell", {"command": command}, verdict.reason):
            return Observation(f"refused: {verdict.reason} and it was not approved. "
                               "Use the file tools or run_python instead.", "refused")
        return describe_run(run_command(command, workspace=root, timeout_s=timeout_s), root)

    return [list_files, read_file, write_file, edit_file, run_python, run_shell]
