"""Choose the similarity below which `ask` says "not found": from questions that the documents
answer and questions they do not.

    figures = calibrate(retriever, answerable_questions, unrelated_questions)
    figures["threshold"], figures["answerable_min"], figures["unrelated_max"]

For each question, the best cosine between it and any chunk. When the two groups are apart,
the threshold is the middle of the gap between the weakest answerable question and the
strongest unrelated one; when they overlap, it is the value that misclassifies the fewest.
"""

from __future__ import annotations

from .embeddings import embed
from .retriever import Retriever


def best_cosines(retriever: Retriever, questions: list[str]) -> list[float]:
    """The best cosine of each question with any chunk of the index."""
    vectors = embed(questions)
    return [retriever.index.search(v, 1)[0][1] if len(retriever.index) else 0.0 for v in vectors]


def choose_threshold(answerable: list[float], unrelated: list[float]) -> float:
    """The middle of the gap when there is one; else the cut with the fewest mistakes."""
    low, high = min(answerable), max(unrelated)
    if low > high:
        return (low + high) / 2
    cuts = sorted(set(answerable + unrelated))

    def mistakes(cut: float) -> int:
        return sum(a < cut for a in answerable) + sum(u >= cut for u in unrelated)

    return min(cuts, key=mistakes)


def calibrate(retriever: Retriever, answerable: list[str], unrelated: list[str]) -> dict:
    """The best cosines of both groups, their extremes and the threshold chosen."""
    good, bad = best_cosines(retriever, answerable), best_cosines(retriever, unrelated)
    return {"answerable": [round(x, 3) for x in good], "unrelated": [round(x, 3) for x in bad],
            "answerable_min": round(min(good), 3), "unrelated_max": round(max(bad), 3),
            "separated": min(good) > max(bad), "threshold": round(choose_threshold(good, bad), 3)}
