"""A shopping cart: lines of (name, quantity, price in cents)."""

from shop.discounts import apply_discount


class Cart:
    def __init__(self) -> None:
        self.quantities: dict[str, int] = {}
        self.prices: dict[str, int] = {}

    def add(self, name: str, price_cents: int, quantity: int = 1) -> None:
        if quantity < 1:
            raise ValueError("the quantity must be at least 1")
        self.prices.setdefault(name, price_cents)
        self.quantities[name] = self.quantities.get(name, 0) + quantity

    def remove(self, name: str) -> None:
        del self.quantities[name]
        del self.prices[name]

    def lines(self) -> list[tuple[str, int, int]]:
        return [(name, self.quantities[name], self.prices[name]) for name in sorted(self.quantities)]

    def total(self, code: str | None = None) -> int:
        subtotal = sum(quantity * price for _, quantity, price in self.lines())
        return apply_discount(subtotal, code)
