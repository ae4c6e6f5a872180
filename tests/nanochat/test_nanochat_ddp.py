"""The distributed path: torchrun, 2 processes, gloo on CPU. Two processes with one micro-batch
each see the same batches as one process with two, so the loss curves agree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _copy_prepared(src: Path, dst: Path) -> Path:
    for part in ("tokenizer", "data"):
        shutil.copytree(src / part, dst / part)
    return dst


def _losses(run_dir: Path) -> list[float]:
    return [json.loads(line)["loss"] for line in (run_dir / "log.jsonl").read_text().splitlines()]


def test_torchrun_two_processes_match_one(prepared_run, tmp_path, tiny):
    ARGS = [f"--{k}={v}" for k, v in tiny[0].items()] + ["--max_steps=2", "--eval_every=2"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    ddp_dir = _copy_prepared(prepared_run[0], tmp_path / "ddp")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "nanochat_track.pretrain", "--config=cpu-tiny", f"--run_dir={ddp_dir}", *ARGS]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "2 process(es)" in proc.stdout and "grad_accum 1" in proc.stdout
    assert (ddp_dir / "checkpoints" / "model.pt").exists()

    # The same run in this process, one process with 2 accumulation steps.
    from nanochat_track.config import make_config
    from nanochat_track.pretrain import train

    single_dir = _copy_prepared(prepared_run[0], tmp_path / "single")
    cfg = make_config("cpu-tiny", {**tiny[0], "run_dir": str(single_dir), "max_steps": 2,
                                   "eval_every": 2})
    result = train(cfg, log=lambda *a: None, progress=False)
    assert result["grad_accum"] == 2 and result["world_size"] == 1
    ddp, single = _losses(ddp_dir), _losses(single_dir)
    assert len(ddp) == len(single) == 2
    assert max(abs(a - b) for a, b in zip(ddp, single, strict=True)) < 1e-4
    ddp_eval = json.loads((ddp_dir / "pretrain.json").read_text())["evals"][-1]["val_bpb"]
    single_eval = json.loads((single_dir / "pretrain.json").read_text())["evals"][-1]["val_bpb"]
    assert abs(ddp_eval - single_eval) < 1e-4
