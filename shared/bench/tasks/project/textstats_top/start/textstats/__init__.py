"""Counts over text files."""
