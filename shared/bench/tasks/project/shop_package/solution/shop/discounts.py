"""Discount codes."""


def apply_discount(total_cents: int, code: str | None) -> int:
    """The total after the discount `code` (None or "" for none); ValueError for an unknown
    code."""
    if not code:
        return total_cents
    if code == "SAVE10":
        return total_cents - total_cents // 10
    if code == "FLAT500":
        return max(0, total_cents - 500)
    raise ValueError(f"unknown discount code {code!r}")
