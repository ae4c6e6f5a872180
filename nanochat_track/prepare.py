"""Stage 1: collect the corpus, train the tokenizer, tokenize the corpus into shards.

    .venv/bin/python -m nanochat_track.prepare --config=cpu-tiny
    .venv/bin/python -m nanochat_track.prepare --config=cpu-tiny --corpus=shakespeare.txt,notes.md

Writes <run_dir>/tokenizer/, <run_dir>/data/ and <run_dir>/prepare.json (sizes, timings and
the compression table). Skips the work when the same corpus and vocabulary were prepared before
(pass --force to redo it).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from shared.atomic_write import atomic_write_text
from shared.cli import run_main

from .config import Config, ConfigError, parse_args
from .dataset import collect_documents, is_validation, source_files, write_shards
from .tokenizer import Tokenizer, compression_table, format_compression, iter_chunks


def data_key(cfg: Config) -> dict:
    """What the prepared files depend on: same key, same files."""
    return {"corpus": cfg.corpus, "corpus_max_bytes": cfg.corpus_max_bytes,
            "vocab_size": cfg.vocab_size, "val_percent": cfg.val_percent,
            "tokenizer_max_chars": cfg.tokenizer_max_chars}


def prepare(cfg: Config, force: bool = False, progress: bool = True, log=print) -> dict:
    """Run stage 1 for `cfg` (or reuse its result); returns the summary written to prepare.json."""
    run_dir = Path(cfg.run_dir)
    summary_path = run_dir / "prepare.json"
    if summary_path.exists() and not force:
        summary = json.loads(summary_path.read_text())
        if summary.get("key") == data_key(cfg) and (run_dir / "data" / "meta.json").exists():
            log(f"prepare: reusing {run_dir / 'data'} (same corpus and vocabulary; --force redoes it)")
            return summary
    t0 = time.time()
    files = source_files(cfg.corpus)
    docs = collect_documents(files, cfg.corpus_max_bytes, progress=progress)
    if len(docs) < 2:
        raise ConfigError(f"The corpus {cfg.corpus!r} gave {len(docs)} usable document(s): "
                          "give at least two text files.")
    t_collect = time.time() - t0
    n_bytes = sum(len(d.text.encode("utf-8")) for d in docs)
    log(f"prepare: {len(docs):,} documents, {n_bytes / 1e6:.1f} MB after dedup "
        f"({len(files):,} files read) in {t_collect:.1f}s")

    # The tokenizer learns only from training documents, so validation text stays unseen.
    t1 = time.time()
    train_text, size = [], 0
    for doc in docs:
        if not is_validation(doc, cfg.val_percent):
            train_text.append(doc.text)
            size += len(doc.text)
            if size >= cfg.tokenizer_max_chars:
                break
    text = "\n".join(train_text)[: cfg.tokenizer_max_chars]
    tokenizer = Tokenizer.train(iter_chunks(text), cfg.vocab_size)
    tokenizer.save(run_dir / "tokenizer")
    t_tok = time.time() - t1
    log(f"prepare: tokenizer with {tokenizer.vocab_size:,} tokens trained on "
        f"{len(text) / 1e6:.1f}M characters in {t_tok:.1f}s")

    val_text = "\n".join(d.text for d in docs if is_validation(d, cfg.val_percent))[:300_000]
    samples = {"train (seen)": text[:300_000]}
    if val_text:
        samples["validation (unseen)"] = val_text
    table = compression_table(tokenizer, samples)
    log(format_compression(table))

    t2 = time.time()
    meta = write_shards(docs, tokenizer, run_dir / "data", cfg.val_percent, progress=progress)
    t_shards = time.time() - t2
    train_tokens = meta["splits"]["train"]["tokens"]
    log(f"prepare: {train_tokens:,} train / {meta['splits']['val']['tokens']:,} val tokens "
        f"written in {t_shards:.1f}s")
    summary = {"key": data_key(cfg), "documents": len(docs), "files_read": len(files),
               "bytes": n_bytes, "vocab_size": tokenizer.vocab_size,
               "tokenizer_fingerprint": tokenizer.fingerprint(), "compression": table,
               "splits": meta["splits"], "time_s": {"collect": round(t_collect, 2),
               "tokenizer": round(t_tok, 2), "shards": round(t_shards, 2)}}
    atomic_write_text(summary_path, json.dumps(summary, indent=1))
    return summary


EXTRA_FLAGS = {"force": False}  # redo the work even when the same data was prepared before


def main(argv: list[str] | None = None) -> int:
    cfg, flags = parse_args(sys.argv[1:] if argv is None else argv, EXTRA_FLAGS, __doc__)
    prepare(cfg, force=flags["force"])
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
