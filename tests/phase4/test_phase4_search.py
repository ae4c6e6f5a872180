"""search_files: ripgrep and the pure-Python engine give the same results, and the listing the
model reads is capped, grouped and honest about what it left out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared.tools.search import LineHit, SearchError, cap_hits, format_hits, ripgrep_path, search

needs_rg = pytest.mark.skipif(ripgrep_path() is None, reason="ripgrep (rg) is not installed")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small project with the cases that tell engines apart."""
    root = tmp_path / "project"
    (root / "service").mkdir(parents=True)
    (root / "service" / "users.py").write_text(
        "import db\n\n\ndef get_user(user_id):\n    return db.find(user_id)\n\n\n"
        "def update(user_id, email):\n    user = get_user(user_id)\n    user['email'] = email\n"
        "    return user\n")
    (root / "service" / "orders.py").write_text(
        "def total(user_id):\n    # USER_ID is upper case here\n    return sum(o for o in user_id)\n")
    (root / "notes.txt").write_text("user_id appears in prose too\nwindows line\r\nlast line no newline")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "secret.py").write_text("user_id = 'hidden'\n")
    (root / ".dotfile.py").write_text("user_id = 'dot'\n")
    (root / "blob.bin").write_bytes(b"user_id\x00\x01\x02")
    outside = tmp_path / "outside.py"
    outside.write_text("user_id = 'outside'\n")
    os.symlink(outside, root / "link.py")
    return root


CASES = [
    {"pattern": "user_id"},
    {"pattern": "user_id", "context": 1},
    {"pattern": "user_id", "context": 3, "glob": "*.py"},
    {"pattern": "user_id", "ignore_case": True},
    {"pattern": r"def \w+\(user_id"},
    {"pattern": "get_user(", "context": 1},            # not a regex: searched as plain text
    {"pattern": "line$"},
    {"pattern": "user_id", "path": "service"},
    {"pattern": "user_id", "path": "service/orders.py", "context": 5},
    {"pattern": r"user(?=_id\))"},                      # a look-ahead: ripgrep refuses, Python decides
    {"pattern": "nothing matches this"},
]


@needs_rg
@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_ripgrep_and_python_give_the_same_results(tree: Path, case: dict) -> None:
    by_rg = search(tree, engine="ripgrep", **case)
    by_python = search(tree, engine="python", **case)
    assert by_rg == by_python


def test_what_a_search_skips(tree: Path) -> None:
    paths = {hit.path for hit in search(tree, "user_id", engine="python")}
    assert paths == {"service/users.py", "service/orders.py", "notes.txt"}  # no hidden, binary, link


def test_context_lines_merge_and_are_marked(tree: Path) -> None:
    hits = search(tree, "user_id", path="service/users.py", context=1, engine="python")
    lines = [(h.line, h.match) for h in hits]
    assert lines == [(3, False), (4, True), (5, True), (6, False), (7, False), (8, True),
                     (9, True), (10, False)]


def test_a_glob_with_a_folder_is_refused(tree: Path) -> None:
    with pytest.raises(SearchError, match="file names only"):
        search(tree, "x", glob="service/*.py")


def test_a_missing_folder_is_an_error_the_model_can_act_on(tree: Path) -> None:
    with pytest.raises(SearchError, match="list_files"):
        search(tree, "x", path="nowhere")


def hits_in(path: str, matches: list[int], context: int = 0) -> list[LineHit]:
    shown = sorted({n for m in matches for n in range(max(1, m - context), m + context + 1)})
    return [LineHit(path, n, f"line {n}", n in matches) for n in shown]


def test_the_cap_keeps_whole_groups_up_to_the_last_kept_match() -> None:
    hits = hits_in("a.py", [2, 10, 20], context=1)
    kept, left_out = cap_hits(hits, max_matches=2, context=1)
    assert [(h.line, h.match) for h in kept] == [(1, False), (2, True), (3, False), (9, False),
                                                 (10, True), (11, False)]
    assert left_out == 1


def test_the_listing_uses_greps_layout_and_says_what_was_left_out() -> None:
    text = format_hits(hits_in("a.py", [2, 10, 20], context=1), max_matches=2, context=1)
    lines = text.splitlines()
    assert lines[:4] == ["a.py-1- line 1", "a.py:2: line 2", "a.py-3- line 3", "--"]
    assert lines[-1] == "[3 matching lines in 1 file; 1 not shown: narrow the pattern, the path or the glob]"
    assert format_hits([]) == "no matches"


def test_the_listing_stays_under_its_character_limit() -> None:
    hits = hits_in("service/a_rather_long_file_name.py", list(range(1, 400)))
    text = format_hits(hits, max_matches=400, max_chars=1000)
    assert len(text) <= 1000
    assert "more result lines cut" in text and text.endswith("in 1 file]")
