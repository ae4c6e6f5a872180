"""Hidden tests of group_by_letter (group_by_letter.py): copied in only for grading."""

from group_by_letter import group_by_letter


def test_example():
    result = group_by_letter(["banana", "Apple", "avocado", "banana"])
    assert result == {"a": ["Apple", "avocado"], "b": ["banana"]}
    assert list(result) == ["a", "b"]


def test_edges():
    assert group_by_letter([]) == {}
    assert group_by_letter(["", ""]) == {}
    assert group_by_letter(["Zed", "zoo", "Zap"]) == {"z": ["Zap", "Zed", "zoo"]}
    assert list(group_by_letter(["cat", "ant", "bee"])) == ["a", "b", "c"]
    assert group_by_letter(["1st", "2nd"]) == {"1": ["1st"], "2": ["2nd"]}
