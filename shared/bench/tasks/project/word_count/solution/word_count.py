def count_words(text: str) -> dict[str, int]:
    """How often each word occurs in `text` (lower case, outer punctuation removed)."""
    counts: dict[str, int] = {}
    for raw in text.split():
        word = raw.strip(".,!?;:").lower()
        if word:
            counts[word] = counts.get(word, 0) + 1
    return counts
