"""A JSON-lines file of conversations that generation appends to, deduplicated and resumable.

One record per line: {"id": KEY, "type": "identity", "messages": [...], "spec": {...}}. The id
is the SHA-256 of what the record was made from (its spec), so a second run skips the specs
already done; the content's own hash catches two specs that gave the same conversation.

Each record is written with one `os.write` to a file opened for appending: a line is either
all there or, after a crash, a piece at the very end without its newline, which the next open
cuts away (`repair`). Nothing already written is ever rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def sha_of(value: object) -> str:
    """A short stable hash of any JSON value (keys sorted)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


class JsonlStore:
    """The records of one file: their ids and content hashes, and `append` for new ones."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.ids: set[str] = set()
        self.contents: set[str] = set()
        self.count = 0
        self.bad_lines = 0  # lines that were not a JSON record (kept in the file, not counted)
        self.repaired = self.repair()
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                    self.ids.add(record["id"])
                    self.contents.add(sha_of(record["messages"]))
                    self.count += 1
                except (json.JSONDecodeError, KeyError, TypeError):
                    self.bad_lines += 1

    def repair(self) -> bool:
        """Cut a last line that has no newline (a write interrupted by a crash). True if cut."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return False
        data = self.path.read_bytes()
        if data.endswith(b"\n"):
            return False
        keep = data.rfind(b"\n") + 1
        with open(self.path, "r+b") as handle:
            handle.truncate(keep)
        return True

    def has(self, key: str, messages: list[dict]) -> bool:
        return key in self.ids or sha_of(messages) in self.contents

    def append(self, record: dict) -> None:
        """Write one record as one line, in a single write to the end of the file."""
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            written = os.write(fd, line)
            while written < len(line):  # a short write (rare): finish the same line
                written += os.write(fd, line[written:])
        finally:
            os.close(fd)
        self.ids.add(record["id"])
        self.contents.add(sha_of(record["messages"]))
        self.count += 1
