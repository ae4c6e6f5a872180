"""The chunker: Python by its syntax tree (names, kinds, exact line ranges), other text by lines."""

from __future__ import annotations

from shared.retrieval.chunker import (
    SMALL_CLASS_LINES,
    WINDOW_LINES,
    chunk_file,
    chunk_lines,
    source_files,
)

SOURCE = '''"""Tools for users."""

import os


def helper(x):
    return x + 1


@staticmethod
def decorated():
    pass


if hasattr(os, "statvfs"):
    def only_on_unix():
        return 1


class Small:
    """A small class."""

    def method(self):
        return 2
'''


def big_class(methods: int) -> str:
    body = "".join(f"    def m{i}(self):\n" + "        x = 1\n" * 8 + "        return x\n\n"
                   for i in range(methods))
    return f'class Big:\n    """Header doc."""\n    limit = 3\n\n{body}'


def lines_of(text: str, chunk) -> str:
    return "\n".join(text.splitlines()[chunk.start - 1:chunk.end])


def test_python_chunks_are_the_module_doc_functions_and_classes_with_their_lines() -> None:
    chunks = chunk_file("pkg/users.py", SOURCE)
    named = {(c.kind, c.name): c for c in chunks}
    assert set(named) == {("module", "pkg.users"), ("function", "helper"),
                          ("function", "decorated"), ("function", "only_on_unix"),
                          ("class", "Small")}
    assert named[("function", "decorated")].text.startswith("@staticmethod")
    for chunk in chunks:
        assert chunk.text == lines_of(SOURCE, chunk), chunk.name
    assert named[("function", "helper")].start == 6 and named[("function", "helper")].end == 7


def test_a_big_class_is_split_into_its_header_and_methods_named_with_the_class() -> None:
    source = big_class(4)
    assert len(source.splitlines()) > SMALL_CLASS_LINES
    chunks = chunk_file("big.py", source)
    assert [c.name for c in chunks] == ["Big", "Big.m0", "Big.m1", "Big.m2", "Big.m3"]
    header, method = chunks[0], chunks[1]
    assert header.kind == "class" and "limit = 3" in header.text and "def m0" not in header.text
    assert method.kind == "method" and method.text.startswith("class Big:\n    def m0")
    assert lines_of(source, method) == method.text.split("\n", 1)[1]  # the class line is a prefix
    assert "big.py method Big.m0" in method.embed_text()


def test_a_file_that_does_not_parse_is_cut_into_line_windows() -> None:
    text = "def broken(:\n    pass\n"
    chunks = chunk_file("broken.py", text)
    assert [c.kind for c in chunks] == ["text"]
    assert (chunks[0].start, chunks[0].end) == (1, 2)


def test_line_windows_end_at_paragraphs_keep_headings_and_cover_every_line() -> None:
    paragraphs = [f"## Part {i}\n" + "".join(f"line {i}.{j}\n" for j in range(4)) for i in range(6)]
    text = "# Title\n\n" + "\n".join(paragraphs)
    chunks = chunk_lines("notes.md", text)
    lines = text.splitlines()
    covered = set()
    for chunk in chunks:
        assert chunk.end - chunk.start + 1 <= WINDOW_LINES
        assert chunk.text == "\n".join(lines[chunk.start - 1:chunk.end])
        assert lines[chunk.start - 1].strip() and lines[chunk.end - 1].strip()
        covered.update(range(chunk.start, chunk.end + 1))
    assert covered >= {i + 1 for i, line in enumerate(lines) if line.strip()}
    assert all(not c.text.endswith("## Part 1") for c in chunks), "a heading ends no chunk it does not lead"
    part3 = next(c for c in chunks if "line 3.0" in c.text)
    assert part3.name.startswith("Part")


def test_a_paragraph_longer_than_a_window_is_cut_with_overlap() -> None:
    text = "".join(f"line {i}\n" for i in range(30))
    chunks = chunk_lines("long.txt", text)
    assert chunks[0].start == 1 and chunks[0].end == WINDOW_LINES
    assert chunks[1].start < chunks[0].end, "hard cuts overlap"
    assert chunks[-1].end == 30


def test_source_files_skip_hidden_folders_and_caches(tmp_path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / ".agentlab").mkdir()
    (tmp_path / ".agentlab" / "b.py").write_text("x = 2\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "c.py").write_text("x = 3\n")
    (tmp_path / "d.bin").write_bytes(b"\0\1")
    assert [p.name for p in source_files(tmp_path)] == ["a.py"]
