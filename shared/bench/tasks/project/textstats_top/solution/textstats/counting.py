"""Counts over a text. A word is a run of the letters a-z, compared in lower case."""

import re

WORD = re.compile(r"[a-z]+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def count_words(text: str) -> int:
    return len(words(text))


def count_lines(text: str) -> int:
    return len(text.splitlines())


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    """The n most frequent words as (word, count), most frequent first, ties alphabetical."""
    counts: dict[str, int] = {}
    for word in words(text):
        counts[word] = counts.get(word, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
