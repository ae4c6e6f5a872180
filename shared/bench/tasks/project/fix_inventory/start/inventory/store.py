"""The store: stock by name, loaded from a CSV file, added to and sold from."""

import csv

from inventory.items import Item


class Store:
    def __init__(self) -> None:
        self.items: dict[str, Item] = {}

    def add(self, item: Item) -> None:
        """Add stock. An item already in the store gets the new quantity added to what it has
        (its price stays the first one seen)."""
        if item.name in self.items:
            self.items[item.name].quantity = item.quantity
        else:
            self.items[item.name] = Item(item.name, item.price_cents, item.quantity)

    def remove(self, name: str, quantity: int) -> None:
        """Take `quantity` away (sold). ValueError when there are not that many; an item whose
        quantity reaches 0 leaves the store."""
        item = self.items.get(name)
        if item is None or item.quantity < quantity:
            raise ValueError(f"there are not {quantity} of {name!r} in stock")
        item.quantity -= quantity
        if item.quantity == 0:
            del self.items[name]

    def total_value_cents(self) -> int:
        return sum(item.value_cents() for item in self.items.values())


def load_stock(path: str) -> Store:
    """A store holding the stock listed in a CSV file (name,price_cents,quantity)."""
    store = Store()
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            store.add(Item(row["name"], int(row["price_cents"]), int(row["quantity"])))
    return store
