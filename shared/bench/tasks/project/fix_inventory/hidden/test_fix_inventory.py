"""Hidden tests of fix_inventory: the store adds, removes and values stock right, and
main.py prints the right figures with stock.csv and main.py unchanged."""

import subprocess
import sys
from pathlib import Path

import pytest

WORKSPACE = Path(__file__).resolve().parents[1]
STOCK = 'name,price_cents,quantity\nbolt,15,40\nnut,5,100\nwasher,2,250\nbolt,15,60\nhinge,120,10\n'


def test_adding_an_item_again_adds_its_quantity():
    from inventory.items import Item
    from inventory.store import Store

    store = Store()
    store.add(Item("bolt", 15, 40))
    store.add(Item("bolt", 15, 60))
    store.add(Item("nut", 5, 1))
    assert store.items["bolt"].quantity == 100
    assert store.total_value_cents() == 1505


def test_the_first_price_stays():
    from inventory.items import Item
    from inventory.store import Store

    store = Store()
    store.add(Item("gear", 100, 1))
    store.add(Item("gear", 999, 2))
    assert store.items["gear"].price_cents == 100
    assert store.total_value_cents() == 300


def test_remove():
    from inventory.items import Item
    from inventory.store import Store

    store = Store()
    store.add(Item("cog", 10, 5))
    store.remove("cog", 2)
    assert store.items["cog"].quantity == 3
    with pytest.raises(ValueError):
        store.remove("cog", 4)
    with pytest.raises(ValueError):
        store.remove("sprocket", 1)
    store.remove("cog", 3)
    assert "cog" not in store.items


def test_main_prints_the_right_value():
    assert (WORKSPACE / "stock.csv").read_text(encoding="utf-8") == STOCK
    assert 'store.remove("bolt", 25)' in (WORKSPACE / "main.py").read_text(encoding="utf-8")
    run = subprocess.run([sys.executable, "main.py"], cwd=WORKSPACE, capture_output=True,
                         text=True, timeout=30)
    assert run.returncode == 0, run.stderr[-1000:]
    assert "items: 4" in run.stdout
    assert "total value: $33.25" in run.stdout
