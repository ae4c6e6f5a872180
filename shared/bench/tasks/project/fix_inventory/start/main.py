"""Load the stock, record today's sales, print what is left."""

from inventory.store import load_stock


def main() -> None:
    store = load_stock("stock.csv")
    store.remove("bolt", 25)
    print(f"items: {len(store.items)}")
    print(f"total value: ${store.total_value_cents() / 100:.2f}")


if __name__ == "__main__":
    main()
