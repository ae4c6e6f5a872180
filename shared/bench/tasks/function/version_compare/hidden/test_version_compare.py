"""Hidden tests of version_compare (version_compare.py): copied in only for grading."""

from version_compare import version_compare


def test_examples():
    assert version_compare("1.2.10", "1.2.9") == 1
    assert version_compare("1.0", "1") == 0
    assert version_compare("0.9", "1.0.1") == -1


def test_more():
    assert version_compare("2", "2") == 0
    assert version_compare("1.0.0.1", "1") == 1
    assert version_compare("1", "1.0.0.1") == -1
    assert version_compare("10.0", "9.99") == 1
    assert version_compare("1.01", "1.1") == 0
    assert version_compare("3.4.5", "3.5") == -1
