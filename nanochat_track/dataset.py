"""Corpora without downloads, tokenized to disk, and the batches pretraining reads from them.

1. `collect_documents`: text from the standard library, the installed packages, or given files,
   deduplicated by content hash (site-packages holds many identical vendored files).
2. `write_shards`: each document becomes <|bos|> + its tokens; documents go to `train` or `val`
   by their hash, and the token streams are written as numpy shards (uint16 when the vocabulary
   fits, else uint32), atomically, with a progress bar and a meta.json.
3. `TokenShards.batch`: a batch of (inputs, targets) at random offsets chosen by a generator
   seeded with (seed, step, micro-batch index): the same step gives the same batch, which is
   what makes resuming from a checkpoint continue the same curve.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from shared import corpus
from shared.atomic_write import atomic_write_bytes, atomic_write_text

from .config import ConfigError

SHARD_TOKENS = 50_000_000  # tokens per shard file (200 MB at uint32, 100 MB at uint16)


@dataclass
class Document:
    name: str  # where it came from (a path, relative where possible)
    text: str
    sha: str  # SHA-256 of the UTF-8 text


def source_files(spec: str) -> list[Path]:
    """The files a corpus spec names: "stdlib", "site-packages", "all", or "a.txt,b.py"."""
    if spec == "stdlib":
        return corpus.python_source_files([corpus.stdlib_root()])
    if spec == "site-packages":
        return corpus.python_source_files(corpus.site_packages_roots())
    if spec == "all":
        return (corpus.python_source_files([corpus.stdlib_root()])
                + corpus.python_source_files(corpus.site_packages_roots()))
    files = [Path(p) for p in spec.split(",") if p]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise ConfigError(f"Corpus file(s) not found: {', '.join(missing)}. Give existing text "
                          "files, or --corpus=stdlib.")
    return files


def collect_documents(files: list[Path], max_bytes: int = 0, progress: bool = True) -> list[Document]:
    """Read `files` in order, skip unreadable ones and exact duplicates, stop at `max_bytes`."""
    docs: list[Document] = []
    seen: set[str] = set()
    size = 0
    for path in tqdm(files, desc="collect", unit="file", disable=not progress, mininterval=1.0):
        text = corpus.read_text_file(path)
        if not text or not text.strip():
            continue
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if sha in seen:
            continue
        n_bytes = len(text.encode("utf-8"))
        if max_bytes and size + n_bytes > max_bytes:
            if docs:
                break
            continue
        seen.add(sha)
        docs.append(Document(str(path), text, sha))
        size += n_bytes
    return docs


def is_validation(doc: Document, val_percent: int) -> bool:
    """Held out by content hash: stable when files are added or removed."""
    return int(doc.sha[:8], 16) % 100 < val_percent


def write_shards(docs: list[Document], tokenizer, out_dir: str | Path, val_percent: int = 5,
                 progress: bool = True) -> dict:
    """Tokenize `docs` into out_dir/{train,val}_NNN.npy and meta.json; returns the meta dict."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dtype = np.uint16 if tokenizer.vocab_size <= 65_536 else np.uint32
    splits: dict[str, list[Document]] = {"train": [], "val": []}
    for doc in docs:
        splits["val" if is_validation(doc, val_percent) else "train"].append(doc)
    if not splits["val"] and len(splits["train"]) > 1:  # a tiny corpus: hold out the last one
        splits["val"].append(splits["train"].pop())
    meta: dict = {"dtype": np.dtype(dtype).name, "vocab_size": tokenizer.vocab_size,
                  "tokenizer": tokenizer.fingerprint(), "splits": {}}
    for split, split_docs in splits.items():
        shards, buffer, n_tokens, n_bytes = [], [], 0, 0
        batch = 256  # documents per encode_batch call
        bar = tqdm(total=len(split_docs), desc=f"tokenize {split}", unit="doc",
                   disable=not progress, mininterval=1.0)
        for start in range(0, len(split_docs), batch):
            chunk = split_docs[start:start + batch]
            for ids in tokenizer.encode_batch([d.text for d in chunk], prepend_bos=True):
                buffer.append(np.asarray(ids, dtype=dtype))
                n_tokens += len(ids)
            n_bytes += sum(len(d.text.encode("utf-8")) for d in chunk)
            bar.update(len(chunk))
            if sum(len(b) for b in buffer) >= SHARD_TOKENS:
                shards.append(_save_shard(out_dir, split, len(shards), buffer))
                buffer = []
        bar.close()
        if buffer or not shards:
            shards.append(_save_shard(out_dir, split, len(shards), buffer or [np.zeros(0, dtype)]))
        meta["splits"][split] = {"documents": len(split_docs), "tokens": n_tokens,
                                 "bytes": n_bytes, "shards": shards}
    atomic_write_text(out_dir / "meta.json", json.dumps(meta, indent=1))
    return meta


def _save_shard(out_dir: Path, split: str, index: int, arrays: list[np.ndarray]) -> str:
    name = f"{split}_{index:03d}.npy"
    buf = io.BytesIO()
    np.save(buf, np.concatenate(arrays))
    atomic_write_bytes(out_dir / name, buf.getvalue())
    return name


class TokenShards:
    """The token shards of one split, memory-mapped, and batches drawn from them."""

    def __init__(self, data_dir: str | Path, split: str):
        data_dir = Path(data_dir)
        meta_path = data_dir / "meta.json"
        if not meta_path.exists():
            raise ConfigError(f"No token shards in {data_dir}: build them first "
                              "(make -C nanochat_track run, or .venv/bin/python -m nanochat_track.prepare).")
        self.meta = json.loads(meta_path.read_text())
        names = self.meta["splits"][split]["shards"]
        self.arrays = [np.load(data_dir / n, mmap_mode="r") for n in names]
        self.arrays = [a for a in self.arrays if len(a) > 1]
        self.n_tokens = sum(len(a) for a in self.arrays)
        if not self.arrays:
            raise ConfigError(f"The {split} split in {data_dir} is empty: give a larger corpus.")

    def batch(self, batch_size: int, seq_len: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """`batch_size` windows of seq_len+1 tokens at offsets drawn from `seed`: (x, y) int64."""
        gen = np.random.default_rng(seed)
        lengths = np.array([len(a) for a in self.arrays], dtype=np.float64)
        shard_ids = gen.choice(len(self.arrays), size=batch_size, p=lengths / lengths.sum())
        rows = []
        for s in shard_ids:
            arr = self.arrays[s]
            if len(arr) <= seq_len + 1:  # a tiny shard: repeat it to fill the window
                arr = np.resize(np.asarray(arr), seq_len + 2)
            start = int(gen.integers(0, len(arr) - seq_len - 1))
            rows.append(np.asarray(arr[start:start + seq_len + 1], dtype=np.int64))
        window = torch.from_numpy(np.stack(rows))
        return window[:, :-1].contiguous(), window[:, 1:].contiguous()

    def sequential(self, batch_size: int, seq_len: int, max_tokens: int):
        """Consecutive non-overlapping (x, y) batches from the start, up to `max_tokens` targets."""
        flat = np.concatenate([np.asarray(a) for a in self.arrays])
        per_batch = batch_size * seq_len
        n_batches = max(1, min(max_tokens, len(flat) - 1) // per_batch)
        for b in range(n_batches):
            rows = []
            for r in range(batch_size):
                start = (b * batch_size + r) * seq_len
                if start + seq_len + 1 > len(flat):
                    break
                rows.append(flat[start:start + seq_len + 1].astype(np.int64))
            if not rows:
                break
            window = torch.from_numpy(np.stack(rows))
            yield window[:, :-1].contiguous(), window[:, 1:].contiguous()


def batch_seed(seed: int, step: int, index: int) -> int:
    """One integer per (run seed, step, micro-batch index), so every batch is reproducible.

    The index counts micro-batches over all processes (rank * grad_accum + micro_step), so one
    process with 2 accumulation steps sees exactly the batches of 2 processes with 1 each."""
    key = f"{seed}:{step}:{index}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")
