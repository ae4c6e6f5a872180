"""Counts over a text. A word is a run of the letters a-z, compared in lower case."""

import re

WORD = re.compile(r"[a-z]+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def count_words(text: str) -> int:
    return len(words(text))


def count_lines(text: str) -> int:
    return len(text.splitlines())
