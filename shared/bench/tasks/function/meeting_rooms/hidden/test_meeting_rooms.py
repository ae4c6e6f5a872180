"""Hidden tests of meeting_rooms (meeting_rooms.py): copied in only for grading."""

from meeting_rooms import meeting_rooms


def test_examples():
    assert meeting_rooms([(0, 30), (5, 10), (15, 20)]) == 2
    assert meeting_rooms([(1, 5), (5, 8)]) == 1


def test_more():
    assert meeting_rooms([]) == 0
    assert meeting_rooms([(0, 1)]) == 1
    assert meeting_rooms([(0, 10), (0, 10), (0, 10)]) == 3
    assert meeting_rooms([(9, 12), (1, 3), (2, 4), (3, 5)]) == 2
    assert meeting_rooms([(0, 5), (1, 6), (2, 7), (6, 9), (7, 10)]) == 3
    assert meeting_rooms([(10, 20), (0, 10), (20, 30)]) == 1
