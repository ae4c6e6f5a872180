"""Hidden tests of merge_intervals (merge_intervals.py): copied in only for grading."""

from merge_intervals import merge_intervals


def test_examples():
    assert merge_intervals([(5, 8), (1, 3), (2, 4)]) == [(1, 4), (5, 8)]
    assert merge_intervals([(1, 2), (2, 3)]) == [(1, 3)]


def test_edges():
    assert merge_intervals([]) == []
    assert merge_intervals([(4, 4)]) == [(4, 4)]
    assert merge_intervals([(1, 10), (2, 3), (4, 5)]) == [(1, 10)]
    assert merge_intervals([(1, 2), (3, 4)]) == [(1, 2), (3, 4)]
    assert merge_intervals([(-5, -1), (-2, 0), (7, 9)]) == [(-5, 0), (7, 9)]
    assert merge_intervals([(3, 6), (1, 2), (2, 3)]) == [(1, 6)]
