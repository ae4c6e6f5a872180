"""Lesson 1: text data and a character-level tokenizer.

The default corpus is the Python standard library's own source (docstrings included), read in
path order by `shared.corpus.stdlib_text`: the same Python version gives the same bytes on every
machine, with no download. Any other UTF-8 text file works through `--data PATH`.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from shared.cli import parse_overrides, run_main
from shared.corpus import read_text_file, stdlib_root, stdlib_text
from shared.errors import AgentlabError

DEFAULT_MAX_BYTES = 1_000_000  # the first ~1 MB of the standard library, in path order
TRAIN_FRACTION = 0.9  # the first 90% trains, the last 10% validates: a fixed split, no shuffling
UNK = "\ufffd"  # the Unicode replacement character stands for every character outside the vocabulary


class CorpusError(AgentlabError):
    """A corpus that cannot be used (missing, unreadable, too small); the message says what to do."""


class CharTokenizer:
    """Maps characters to integer ids and back. Id 0 is reserved for unknown characters."""

    def __init__(self, chars: list[str]):
        chars = [c for c in chars if c != UNK]
        self.itos: list[str] = [UNK] + chars
        self.stoi: dict[str, int] = {c: i for i, c in enumerate(self.itos)}

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        """The vocabulary is every distinct character of `text`, sorted by code point."""
        return cls(sorted(set(text)))

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    @property
    def unk_id(self) -> int:
        return 0

    def encode(self, text: str) -> list[int]:
        """Character ids; a character not in the vocabulary becomes the unknown id 0."""
        get = self.stoi.get
        return [get(c, 0) for c in text]

    def decode(self, ids) -> str:
        """The text for `ids`; the unknown id decodes to the replacement character U+FFFD."""
        return "".join(self.itos[int(i)] for i in ids)

    def unknown_chars(self, text: str) -> set[str]:
        """The characters of `text` that the vocabulary does not have."""
        return set(text) - set(self.stoi)

    def to_list(self) -> list[str]:
        """The vocabulary in id order (what a saved model stores)."""
        return list(self.itos)

    @classmethod
    def from_list(cls, itos: list[str]) -> CharTokenizer:
        if not itos or itos[0] != UNK:
            raise ValueError("a saved vocabulary must start with the unknown character U+FFFD")
        return cls(itos[1:])


@dataclass
class Corpus:
    """A text split into a fixed training and validation part, with its tokenizer."""

    text: str
    source: str  # "stdlib" or the file's path
    files: list[Path] = field(default_factory=list)  # the files the text came from (stdlib)
    train_text: str = ""
    val_text: str = ""
    tokenizer: CharTokenizer | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def describe(self) -> str:
        """One paragraph: size, vocabulary, split, where the text came from."""
        tok = self.tokenizer
        assert tok is not None
        unknown = tok.unknown_chars(self.val_text)
        lines = [
            f"corpus: {self.source} ({len(self.files)} files)" if self.files else f"corpus: {self.source}",
            f"  {len(self.text):,} characters, {len(self.text.encode('utf-8')):,} bytes, sha256 {self.sha256[:16]}",
            f"  vocabulary: {tok.vocab_size} ids ({tok.vocab_size - 1} characters + 1 unknown)",
            f"  split: train {len(self.train_text):,} chars, validation {len(self.val_text):,} chars",
            f"  validation characters not seen in training: {len(unknown)}",
        ]
        return "\n".join(lines)


def default_max_bytes() -> int:
    """Corpus size for the default stdlib corpus; smaller under AGENTLAB_FAST=1 (tests, notebooks)."""
    return 200_000 if os.environ.get("AGENTLAB_FAST") else DEFAULT_MAX_BYTES


def split_text(text: str, train_fraction: float = TRAIN_FRACTION) -> tuple[str, str]:
    """The first `train_fraction` of the characters, and the rest."""
    n = int(len(text) * train_fraction)
    return text[:n], text[n:]


def load_corpus(data: str | Path | None = None, max_bytes: int | None = None,
                train_fraction: float = TRAIN_FRACTION) -> Corpus:
    """The default stdlib corpus (data=None) or the text file at `data`, split and tokenized.

    The vocabulary comes from the training part only, so validation may hold unknown characters,
    as real unseen text does.
    """
    max_bytes = default_max_bytes() if max_bytes is None else max_bytes
    if data is None:
        text, files = stdlib_text(max_bytes)
        source = f"stdlib {stdlib_root()}"
    else:
        path = Path(data)
        if not path.is_file():
            raise CorpusError(f"{path} is not a file; pass --data with the path of a UTF-8 text file.")
        text = read_text_file(path, max_bytes=max(max_bytes, path.stat().st_size))
        if text is None:
            raise CorpusError(f"{path} is not readable UTF-8 text; convert it to UTF-8 or pick another file.")
        text = text[:max_bytes]  # characters, close enough to bytes for a cap
        files, source = [path], str(path)
    if len(text) < 1000:
        raise CorpusError(f"the corpus has only {len(text)} characters; use a text of at least a few thousand.")
    train_text, val_text = split_text(text, train_fraction)
    return Corpus(text=text, source=source, files=files, train_text=train_text, val_text=val_text,
                  tokenizer=CharTokenizer.from_text(train_text))


def main(argv: list[str] | None = None) -> int:
    """Show the corpus: size, vocabulary, split (and with --list_files every file)."""
    args = parse_overrides(sys.argv[1:] if argv is None else argv,
                           {"data": "", "max_bytes": 0, "list_files": False}, main.__doc__)
    corpus = load_corpus(args["data"] or None, args["max_bytes"] or None)
    print(corpus.describe())
    if args["list_files"]:
        root = stdlib_root()
        for path in corpus.files:
            print(" ", path.relative_to(root) if path.is_relative_to(root) else path)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
