"""Hidden tests of textstats_top: counting.top_words and the cli's --top option, with the old
behaviour kept."""

import subprocess
import sys
from pathlib import Path

WORKSPACE = Path(__file__).resolve().parents[1]


def test_top_words():
    from textstats.counting import top_words

    text = (WORKSPACE / "sample.txt").read_text()
    assert top_words(text, 3) == [("the", 4), ("a", 2), ("cat", 2)]
    assert top_words("b a b", 5) == [("b", 2), ("a", 1)]
    assert top_words("Hello, HELLO world", 1) == [("hello", 2)]
    assert top_words("", 3) == []


def test_old_counts_kept():
    from textstats.counting import count_lines, count_words

    assert count_lines("a\nb\n") == 2
    assert count_words("It's 2 cats") == 3


def test_cli_with_top(tmp_path, capsys):
    from textstats.cli import main

    path = tmp_path / "t.txt"
    path.write_text("x y x\nz x y\n")
    main([str(path), "--top", "2"])
    assert capsys.readouterr().out.splitlines() == ["lines: 2", "words: 6", "top: x (3), y (2)"]


def test_cli_without_top_is_unchanged(tmp_path, capsys):
    from textstats.cli import main

    path = tmp_path / "t.txt"
    path.write_text("one two\n")
    main([str(path)])
    assert capsys.readouterr().out.splitlines() == ["lines: 1", "words: 2"]


def test_module_run():
    run = subprocess.run([sys.executable, "-m", "textstats.cli", "sample.txt", "--top", "2"],
                         cwd=WORKSPACE, capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr[-1000:]
    assert run.stdout.splitlines() == ["lines: 3", "words: 17", "top: the (4), a (2)"]
