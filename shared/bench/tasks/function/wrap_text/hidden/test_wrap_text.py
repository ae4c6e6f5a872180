"""Hidden tests of wrap_text (wrap_text.py): copied in only for grading."""

from wrap_text import wrap_text


def test_examples():
    assert wrap_text("the quick brown fox jumps", 10) == ["the quick", "brown fox", "jumps"]
    assert wrap_text("a extraordinary b", 5) == ["a", "extraordinary", "b"]


def test_edges():
    assert wrap_text("", 10) == []
    assert wrap_text("   ", 4) == []
    assert wrap_text("exact fit", 9) == ["exact fit"]
    assert wrap_text("exact fit", 8) == ["exact", "fit"]
    assert wrap_text("a\nb\tc   d", 3) == ["a b", "c d"]


def test_every_line_fits():
    text = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod"
    lines = wrap_text(text, 15)
    assert all(len(line) <= 15 for line in lines)
    assert " ".join(lines) == text
