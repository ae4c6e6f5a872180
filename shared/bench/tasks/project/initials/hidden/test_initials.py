"""Hidden tests of initials: initials() in initials.py."""

from initials import initials


def test_examples():
    assert initials("ada lovelace") == "A.L."
    assert initials("jean-luc picard") == "J.L.P."


def test_case_and_spacing():
    assert initials("Grace Brewster Murray Hopper") == "G.B.M.H."
    assert initials("  alan   turing ") == "A.T."
    assert initials("x") == "X."


def test_empty():
    assert initials("") == ""
    assert initials("   ") == ""
    assert initials("-") == ""
