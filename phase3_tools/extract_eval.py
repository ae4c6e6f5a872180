"""Accuracy of `extract` on the labelled set shipped with the phase (data/orders.jsonl).

    .venv/bin/python -m phase3_tools.extract_eval           # configured backend, all 20 texts
    .venv/bin/python -m phase3_tools.extract_eval --limit=5 --constrained=0

--constrained=1 forces grammar-constrained replies, 0 turns them off, -1 (the default) lets
`extract` choose for the backend.

Scores per field (customer, item, quantity, city) and per record (all four right), after a
light normalisation (case, punctuation, plural s), and how many texts needed a retry.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from pydantic import BaseModel
from tqdm import tqdm

from phase3_tools.extract import extract
from shared.cli import parse_overrides, run_main
from shared.llm import ChatBackend

DATA = Path(__file__).resolve().parent / "data" / "orders.jsonl"
FIELDS = ("customer", "item", "quantity", "city")


class Order(BaseModel):
    """An order in a customer's message."""

    customer: str
    item: str
    quantity: int
    city: str | None = None


def load_set(path: Path = DATA) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def normalise(value: object) -> str:
    """'Blue Mugs.' -> 'blue mug'; None and '' -> ''; numbers as text."""
    if value is None:
        return ""
    words = re.sub(r"[^\w\s]", " ", str(value).lower()).split()
    words = [w for w in words if w not in {"of", "pairs", "pair", "jars", "jar", "a", "the"}]
    return " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words)


def field_correct(got: object, want: object) -> bool:
    if want is None:
        return normalise(got) in {"", "none", "null", "n a", "unknown"}
    return normalise(got) == normalise(want)


def evaluate(llm: ChatBackend, limit: int = 0, constrained: bool | None = None,
             progress: bool = True) -> dict:
    """Run extract over the set; returns the figures (and per-item outcomes under "items")."""
    rows = load_set()[: limit or None]
    items, start = [], time.perf_counter()
    for row in tqdm(rows, desc="extract", disable=not progress):
        found = extract(row["text"], Order, llm, constrained=constrained)
        got = found.value.model_dump() if found.value else {}
        right = {f: field_correct(got.get(f), row["expected"][f]) for f in FIELDS}
        items.append({"text": row["text"], "got": got, "right": right, "attempts": found.attempts,
                      "valid": found.ok, "errors": found.errors, "tokens": found.tokens})
    n = len(items) or 1
    return {
        "n": len(items),
        "valid_share": sum(i["valid"] for i in items) / n,
        "record_accuracy": sum(all(i["right"].values()) for i in items) / n,
        "field_accuracy": {f: sum(i["right"][f] for i in items) / n for f in FIELDS},
        "retried": sum(i["attempts"] > 1 for i in items),
        "tokens_per_text": sum(i["tokens"] for i in items) / n,
        "seconds": round(time.perf_counter() - start, 1),
        "items": items,
    }


def main(argv: list[str] | None = None) -> int:
    from shared.llm import get_llm

    options = parse_overrides(argv if argv is not None else sys.argv[1:],
                              {"limit": 0, "constrained": -1}, doc=__doc__)
    constrained = None if options["constrained"] < 0 else bool(options["constrained"])
    llm = get_llm()
    figures = evaluate(llm, options["limit"], constrained)
    for item in figures["items"]:
        if not all(item["right"].values()):
            print(f"  miss: {item['text'][:60]!r} -> {item['got']}")
    print(f"{figures['n']} texts: record accuracy {figures['record_accuracy']:.0%}, field accuracy "
          + ", ".join(f"{f} {a:.0%}" for f, a in figures["field_accuracy"].items())
          + f"; valid {figures['valid_share']:.0%}, retried {figures['retried']}, {figures['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
