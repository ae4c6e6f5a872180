"""A tiny code base and a word-count embedder for the retrieval tests (imported by them)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np

FILES = {
    "storage/cleanup.py": '''"""Removing what the service no longer needs."""

import shutil


def remove_tree(path):
    """Delete a directory and every file and folder below it."""
    shutil.rmtree(path)


def prune_logs(folder, keep=5):
    """Keep only the newest log files of a folder."""
    logs = sorted(folder.glob("*.log"))
    for old in logs[:-keep]:
        old.unlink()
''',
    "auth/login.py": '''"""Signing users in."""

import hashlib
import hmac


def verify_password(stored_hash, attempt):
    """True when the attempt hashes to the stored value (compared in constant time)."""
    digest = hashlib.sha256(attempt.encode()).hexdigest()
    return hmac.compare_digest(digest, stored_hash)


class SessionStore:
    """Sessions in memory, by token."""

    def __init__(self):
        self.sessions = {}

    def open(self, user):
        token = hashlib.sha1(user.encode()).hexdigest()
        self.sessions[token] = user
        return token
''',
    "stats/averages.py": '''"""Small statistics."""


def mean_of(values):
    """The arithmetic mean of a list of numbers."""
    return sum(values) / len(values)


def middle_value(values):
    """The median: the value in the middle once the numbers are sorted."""
    ordered = sorted(values)
    return ordered[len(ordered) // 2]
''',
    "README.md": """# Demo service

A small service used by the retrieval tests.

## Deploying

Run the container with two workers and a read-only file system.
""",
}


def write_corpus(root: Path) -> Path:
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


class CountingEmbedder:
    """Hashed bag-of-words unit vectors (384 wide); counts the texts it embedded."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 384] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)
