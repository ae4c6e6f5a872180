"""The pipeline end to end at a size smaller than cpu-tiny; resume continues the same curve."""

from __future__ import annotations

import math
import shutil

import numpy as np

from nanochat_track.check import resume_continues_curve
from nanochat_track.dataset import TokenShards, batch_seed, collect_documents, source_files


def test_corpus_is_deduplicated_and_sharded(prepared_run, tmp_path):
    run_dir, summary = prepared_run
    assert summary["splits"]["train"]["tokens"] > 50_000 and summary["splits"]["val"]["tokens"] > 0
    a = tmp_path / "a.txt"
    a.write_text("same text\n")
    (tmp_path / "b.txt").write_text("same text\n")
    (tmp_path / "c.txt").write_text("other text\n")
    docs = collect_documents(source_files(f"{a},{tmp_path / 'b.txt'},{tmp_path / 'c.txt'}"),
                             progress=False)
    assert [d.text for d in docs] == ["same text\n", "other text\n"]
    shards = TokenShards(run_dir / "data", "train")
    assert shards.arrays[0].dtype == np.uint16  # 512 tokens fit 16 bits
    x1, y1 = shards.batch(3, 16, batch_seed(1, 5, 0))
    x2, _ = shards.batch(3, 16, batch_seed(1, 5, 0))
    assert x1.shape == (3, 16) and bool((x1 == x2).all()) and bool((x1[:, 1:] == y1[:, :-1]).all())


def test_pipeline_end_to_end(prepared_run, tmp_path, tiny):
    _, tiny_config = tiny
    from nanochat_track.chat_cli import main as chat_main
    from nanochat_track.pipeline import run_pipeline

    run_dir = tmp_path / "run"
    for part in ("tokenizer", "data", "prepare.json"):
        src = prepared_run[0] / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, run_dir / part if src.is_dir() else run_dir)
    cfg = tiny_config(run_dir, max_steps=25, eval_every=12)
    stages = run_pipeline(cfg, progress=False, humaneval_limit=2, n_tasks=3, log=lambda *a: None)
    evals = stages["pretrain"]["evals"]
    assert [e["step"] for e in evals] == [0, 12, 24, 25]
    assert math.isfinite(evals[-1]["val_bpb"]) and evals[-1]["val_bpb"] < evals[0]["val_bpb"] - 0.3
    report = (run_dir / "report.md").read_text()
    for section in ("## Environment", "## Tokenizer and corpus", "## Pretraining", "## Evaluation"):
        assert section in report
    assert (run_dir / "loss.png").exists() and (run_dir / "checkpoints" / "model.pt").exists()
    he = stages["evaluate"]["humaneval"]
    assert not he["available"] or (he["harness_ok"] and he["n"] == 2)
    assert len(stages["evaluate"]["samples"]) == 4
    chat_main(["--checkpoint", str(run_dir / "checkpoints" / "model.pt"), "--prompt", "hello",
               "--max_tokens", "8"])


def test_resume_continues_the_same_curve(prepared_run, tmp_path, tiny):
    TINY = tiny[0]
    overrides = {k: TINY[k] for k in ("depth", "head_dim", "seq_len", "device_batch_size",
                                      "total_batch_tokens", "eval_tokens")}
    result = resume_continues_curve(prepared_run[0], tmp_path, steps=6, stop_at=3,
                                    overrides=overrides, log=lambda *a: None)
    assert len(result["straight"]["loss"]) == len(result["resumed"]["loss"]) == 6
    assert result["max_abs_diff"] < 1e-5


def test_bf16_autocast_path_trains(prepared_run, tmp_path, tiny):
    """The GPU's mixed-precision path (bf16 autocast), exercised on CPU for 2 steps."""
    from nanochat_track.pretrain import train

    run_dir = tmp_path / "bf16"
    for part in ("tokenizer", "data"):
        shutil.copytree(prepared_run[0] / part, run_dir / part)
    cfg = tiny[1](run_dir, max_steps=2, eval_every=2, dtype="bfloat16")
    result = train(cfg, log=lambda *a: None, progress=False)
    assert all(math.isfinite(r["loss"]) for r in result["history"])
    assert math.isfinite(result["evals"][-1]["val_bpb"])
