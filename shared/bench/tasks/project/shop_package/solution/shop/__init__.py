"""A small shop: a cart and its discount codes."""
