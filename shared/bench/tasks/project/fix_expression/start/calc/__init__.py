"""A small calculator for arithmetic expressions."""
