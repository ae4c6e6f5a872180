"""Cut files into chunks worth retrieving: Python by its syntax tree, everything else by lines.

    chunks = chunk_file(Path("json/decoder.py"), source)
    chunks[0].name, chunks[0].kind, chunks[0].start, chunks[0].end   # 'json.decoder', 'module', 1, 3

Python (`ast`): one chunk for the module docstring, one per function, one per class (its header,
docstring and the lines before its first method, or the whole class when it is small), and one
per method, named `Class.method`, whose embedded text starts with its class line, so that a
method is found by what its class is about too. A file that does not parse, and any other text
file, is cut into paragraphs, a heading joined to the paragraph under it (a chunk says one thing,
which keeps citations tight and embeddings sharp); a paragraph too long for one chunk is cut
into overlapping windows of lines. Line numbers are 1-based and inclusive, as editors show them.
"""

from __future__ import annotations

import ast
from dataclasses import asdict, dataclass
from pathlib import Path

WINDOW_LINES = 12      # the most lines of a text chunk (a longer paragraph is cut)
WINDOW_OVERLAP = 2     # lines a hard-cut window shares with the next one (none at paragraph ends)
SMALL_CLASS_LINES = 30  # a class this short is one chunk, methods included
EMBED_CHARS = 1200     # the start of a chunk that is embedded (MiniLM reads 256 word pieces at most)
TEXT_SUFFIXES = {".md", ".txt", ".rst", ".py"}


@dataclass(frozen=True)
class Chunk:
    """A piece of one file: lines start..end (1-based, inclusive) of `path` (relative, "/")."""

    path: str
    start: int
    end: int
    kind: str   # "module", "function", "class", "method" or "text"
    name: str   # qualified name for code (`Class.method`), the nearest heading for text
    text: str   # the lines themselves

    def embed_text(self) -> str:
        """What is embedded and keyword-indexed: where the chunk lives, then its start."""
        where = f"{self.path} {self.kind} {self.name}".strip()
        return f"{where}\n{self.text[:EMBED_CHARS]}"

    def as_dict(self) -> dict:
        return asdict(self)


def chunk_file(path: str, text: str) -> list[Chunk]:
    """The chunks of one file; `path` is the name stored in them (relative to the index root)."""
    if path.endswith(".py"):
        try:
            return chunk_python(path, text)
        except (SyntaxError, ValueError):  # not Python 3 we can parse: cut it by lines
            pass
    return chunk_lines(path, text)


def chunk_python(path: str, source: str) -> list[Chunk]:
    """Module docstring, functions, classes and methods of a Python source. Raises SyntaxError."""
    tree = ast.parse(source)
    lines = source.splitlines()
    module = path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    chunks: list[Chunk] = []
    doc = ast.get_docstring(tree, clean=False)
    if doc and tree.body:
        first = tree.body[0]
        chunks.append(_chunk(path, lines, first.lineno, first.end_lineno, "module", module))
    for node in _definitions(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            chunks.append(_chunk(path, lines, _first_line(node), node.end_lineno, "function", node.name))
        elif isinstance(node, ast.ClassDef):
            chunks += _class_chunks(path, lines, node)
    if not chunks and source.strip():  # a script with no definitions: its lines still count
        return chunk_lines(path, source)
    return chunks


def _definitions(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of a module body, with those of its `if` and `try` blocks in place of the
    blocks: the standard library defines many functions under `if hasattr(os, ...)`."""
    out: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            out += _definitions(node.body) + _definitions(node.orelse)
        elif isinstance(node, ast.Try):
            out += _definitions(node.body)
            for handler in node.handlers:
                out += _definitions(handler.body)
            out += _definitions(node.orelse) + _definitions(node.finalbody)
        else:
            out.append(node)
    return out


def _first_line(node: ast.AST) -> int:
    """The first line of a definition, its decorators included."""
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators])


def _chunk(path: str, lines: list[str], start: int, end: int, kind: str, name: str,
           prefix: str = "") -> Chunk:
    body = "\n".join(lines[start - 1:end])
    return Chunk(path, start, end, kind, name, f"{prefix}{body}")


def _class_chunks(path: str, lines: list[str], node: ast.ClassDef) -> list[Chunk]:
    start, end = _first_line(node), node.end_lineno
    methods = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if end - start + 1 <= SMALL_CLASS_LINES or not methods:
        return [_chunk(path, lines, start, end, "class", node.name)]
    header_end = max(node.lineno, _first_line(methods[0]) - 1)
    chunks = [_chunk(path, lines, start, header_end, "class", node.name)]
    class_line = lines[node.lineno - 1].strip()
    for method in methods:
        chunks.append(_chunk(path, lines, _first_line(method), method.end_lineno, "method",
                             f"{node.name}.{method.name}", prefix=f"{class_line}\n"))
    return chunks


def chunk_lines(path: str, text: str, window: int = WINDOW_LINES,
                overlap: int = WINDOW_OVERLAP) -> list[Chunk]:
    """One chunk per paragraph (lines between blank lines), a heading joined to the paragraph
    under it, a paragraph longer than `window` lines cut into overlapping windows. Each chunk is
    named after the last markdown heading at or above its first line (or the file name)."""
    lines = text.splitlines()
    headings: list[str] = []  # the heading in force at each line
    heading = Path(path).name
    for line in lines:
        if is_heading(line):
            heading = line.lstrip("#").strip()
        headings.append(heading)
    chunks: list[Chunk] = []
    i = 0
    while i < len(lines):
        while i < len(lines) and not lines[i].strip():
            i += 1  # a chunk never starts on a blank line
        if i >= len(lines):
            break
        limit = min(len(lines), i + window)
        end = i
        while True:  # to the end of the paragraph; past it when all we have is headings
            while end < limit and lines[end].strip():
                end += 1
            if end < limit and all(is_heading(x) for x in lines[i:end] if x.strip()):
                while end < limit and not lines[end].strip():
                    end += 1
                continue
            break
        body = lines[i:end]
        while body and not body[-1].strip():
            body.pop()
        chunks.append(Chunk(path, i + 1, i + len(body), "text", headings[i], "\n".join(body)))
        hard_cut = end == limit and limit < len(lines) and lines[limit].strip()
        i = end - overlap if hard_cut and end - overlap > i else end
    return chunks


def is_heading(line: str) -> bool:
    """A markdown heading: `# Title`, `## Part`..."""
    return line.startswith("#") and line.lstrip("#").startswith(" ")


def chunk_files(root: Path, files: list[Path]) -> list[Chunk]:
    """The chunks of several files under `root` (unreadable or binary files are skipped)."""
    chunks: list[Chunk] = []
    for file in files:
        text = read_text(file)
        if text is not None:
            chunks += chunk_file(file.relative_to(root).as_posix(), text)
    return chunks


def read_text(file: Path) -> str | None:
    """A file's text, or None for a binary or unreadable file."""
    try:
        data = file.read_bytes()
    except OSError:
        return None
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def source_files(root: Path, suffixes: set[str] | None = None) -> list[Path]:
    """The text files under `root` with one of `suffixes`, sorted, skipping hidden names,
    __pycache__ and symbolic links."""
    suffixes = TEXT_SUFFIXES if suffixes is None else suffixes
    root = Path(root)
    if root.is_file():
        return [root]
    found = []
    for file in sorted(root.rglob("*")):
        parts = file.relative_to(root).parts
        if any(p.startswith(".") or p == "__pycache__" for p in parts):
            continue
        if file.is_file() and not file.is_symlink() and file.suffix in suffixes:
            found.append(file)
    return found
