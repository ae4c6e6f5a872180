"""Hidden tests of shop_package: shop.discounts.apply_discount, shop.cart.Cart, and the cart
using the discounts module."""

import ast
from pathlib import Path

import pytest

WORKSPACE = Path(__file__).resolve().parents[1]


def test_package_files_exist():
    for name in ("__init__.py", "cart.py", "discounts.py"):
        assert (WORKSPACE / "shop" / name).is_file(), f"shop/{name} is missing"


def test_discounts():
    from shop.discounts import apply_discount

    assert apply_discount(1000, None) == 1000
    assert apply_discount(1000, "") == 1000
    assert apply_discount(1000, "SAVE10") == 900
    assert apply_discount(999, "SAVE10") == 900
    assert apply_discount(1200, "FLAT500") == 700
    assert apply_discount(300, "FLAT500") == 0
    with pytest.raises(ValueError):
        apply_discount(1000, "save10")


def test_cart_lines_and_total():
    from shop.cart import Cart

    cart = Cart()
    cart.add("pen", 150, 2)
    cart.add("book", 1200)
    cart.add("pen", 999, 1)
    assert cart.lines() == [("book", 1, 1200), ("pen", 3, 150)]
    assert cart.total() == 1650
    assert cart.total("SAVE10") == 1485
    assert cart.total("FLAT500") == 1150
    cart.remove("book")
    assert cart.lines() == [("pen", 3, 150)]
    assert Cart().total() == 0


def test_cart_errors():
    from shop.cart import Cart

    cart = Cart()
    with pytest.raises(ValueError):
        cart.add("pen", 150, 0)
    with pytest.raises(KeyError):
        cart.remove("nothing")
    cart.add("pen", 150)
    with pytest.raises(ValueError):
        cart.total("BOGUS")


def test_cart_uses_the_discounts_module():
    tree = ast.parse((WORKSPACE / "shop" / "cart.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert any("discounts" in name for name in imported), "shop/cart.py does not import discounts"
