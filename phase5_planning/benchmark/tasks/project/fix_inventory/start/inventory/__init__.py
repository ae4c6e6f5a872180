"""A shop's stock."""
