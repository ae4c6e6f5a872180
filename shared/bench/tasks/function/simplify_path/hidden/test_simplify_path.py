"""Hidden tests of simplify_path (simplify_path.py): copied in only for grading."""

from simplify_path import simplify_path


def test_examples():
    assert simplify_path("/a/./b/../../c/") == "/c"
    assert simplify_path("/../") == "/"
    assert simplify_path("/home//user/") == "/home/user"


def test_more():
    assert simplify_path("/") == "/"
    assert simplify_path("///") == "/"
    assert simplify_path("/a/b/c") == "/a/b/c"
    assert simplify_path("/a/../../b") == "/b"
    assert simplify_path("/.../x") == "/.../x"
    assert simplify_path("/a/.hidden/./") == "/a/.hidden"
