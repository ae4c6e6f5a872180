from palindrome import is_palindrome


def test_palindromes():
    assert is_palindrome("level")
    assert is_palindrome("Racecar")
    assert is_palindrome("")


def test_not_palindromes():
    assert not is_palindrome("hello")
    assert not is_palindrome("ab")
