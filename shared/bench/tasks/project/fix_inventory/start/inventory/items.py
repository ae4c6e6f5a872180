"""One line of stock: what it is, what one costs (in cents), how many there are."""

from dataclasses import dataclass


@dataclass
class Item:
    name: str
    price_cents: int
    quantity: int

    def value_cents(self) -> int:
        return self.price_cents * self.quantity
