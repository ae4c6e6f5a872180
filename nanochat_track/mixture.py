"""Training mixtures: conversations from JSON-lines files, each source with its number of epochs.

A JSON-lines task reads any file of conversations, one per line, either a record
{"messages": [...], ...} (what synthetic/generate.py writes) or a bare list of messages
(nanochat's CustomJSON format). A mixture takes each source `epochs` times (2.5: every
conversation twice, then half of them once more, drawn with the seed), shuffles the lot with
the seed, and holds out a share for validation by the conversation's hash.

    mix = Mixture.from_spec("identity:4,reasoning:1,my_chats.jsonl:0.5", folder="runs/nanochat/synthetic")
    train, val = mix.split()

A spec entry is SOURCE:EPOCHS, SOURCE a path to a .jsonl file or the name of a file in
`folder` (identity -> folder/identity.jsonl).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from shared.errors import AgentlabError

from .synthetic.jsonl_store import sha_of


class MixtureError(AgentlabError):
    """A mixture that cannot be built; the message says what to do."""


@dataclass
class JsonlTask:
    """The conversations of one JSON-lines file."""

    path: Path

    def load(self) -> list[list[dict]]:
        if not self.path.is_file():
            raise MixtureError(f"No conversations at {self.path}: generate them first "
                               "(.venv/bin/python -m nanochat_track.synthetic.generate --type=all) "
                               "or name an existing .jsonl file.")
        conversations = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                if number == 1 or line.endswith("}") or line.endswith("]"):
                    raise MixtureError(f"{self.path}:{number} is not JSON: fix or delete that line.") from None
                continue  # an unfinished last line of an interrupted write
            messages = record["messages"] if isinstance(record, dict) else record
            if not isinstance(messages, list) or not messages:
                raise MixtureError(f"{self.path}:{number} holds no list of messages.")
            conversations.append(messages)
        return conversations


@dataclass
class Source:
    task: JsonlTask
    epochs: float


class Mixture:
    """Several sources, each taken `epochs` times, shuffled with `seed`."""

    def __init__(self, sources: list[Source], seed: int = 0, val_percent: int = 5):
        if not sources:
            raise MixtureError("The mixture is empty: give at least one SOURCE:EPOCHS.")
        self.sources, self.seed, self.val_percent = sources, seed, val_percent

    @classmethod
    def from_spec(cls, spec: str, folder: str | Path = ".", seed: int = 0, val_percent: int = 5) -> Mixture:
        """Parse "identity:4,reasoning:1,extra.jsonl:0.5" (epochs default to 1)."""
        sources = []
        for entry in (e.strip() for e in spec.split(",")):
            if not entry:
                continue
            name, _, epochs = entry.rpartition(":") if ":" in entry else (entry, "", "1")
            try:
                n = float(epochs)
            except ValueError:
                raise MixtureError(f"In the mixture {spec!r}, {entry!r} should be SOURCE:EPOCHS "
                                   "with a number of epochs, like reasoning:2.") from None
            path = Path(name) if name.endswith(".jsonl") else Path(folder) / f"{name}.jsonl"
            sources.append(Source(JsonlTask(path), n))
        return cls(sources, seed, val_percent)

    def split(self) -> tuple[list[list[dict]], list[list[dict]]]:
        """(training conversations, validation conversations). Validation takes each held-out
        conversation once; training takes the others `epochs` times; both shuffled."""
        rng = random.Random(self.seed)
        train: list[list[dict]] = []
        val: list[list[dict]] = []
        for source in self.sources:
            kept = []
            for conv in source.task.load():
                if int(sha_of(conv)[:8], 16) % 100 < self.val_percent:
                    val.append(conv)
                else:
                    kept.append(conv)
            whole, part = int(source.epochs), source.epochs - int(source.epochs)
            train += kept * whole
            train += rng.sample(kept, round(part * len(kept)))
        rng.shuffle(train)
        rng.shuffle(val)
        return train, val

    def describe(self) -> str:
        return ", ".join(f"{s.task.path.name} x{s.epochs:g}" for s in self.sources)
