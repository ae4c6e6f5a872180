"""The run report: runs/nanochat/<run>/report.md, with the environment, the configuration and
each stage's figures and time, plus the loss curve as loss.png."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import torch

from shared.atomic_write import atomic_write_text

from .config import Config, as_dict
from .tokenizer import format_compression


def environment() -> dict:
    """Python, torch, OS, CPU count, GPU (if any) and the git commit, for reproducing a run."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=5, cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return {"python": sys.version.split()[0], "torch": torch.__version__,
            "platform": platform.platform(), "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "gpu": gpu, "gpu_count": torch.cuda.device_count(), "git_commit": commit or "unknown"}


def plot_curves(history: list[dict], evals: list[dict], path: Path) -> Path | None:
    """Training loss per step and validation bits per byte, side by side (PNG)."""
    if not history:
        return None
    import matplotlib.pyplot as plt  # the backend is the caller's: inline in a notebook

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
    ax1.plot([r["step"] for r in history], [r["loss"] for r in history])
    ax1.set(xlabel="step", ylabel="train loss (nats/token)", title="training loss")
    if evals:
        ax2.plot([e["step"] for e in evals], [e["val_bpb"] for e in evals], marker="o")
    ax2.set(xlabel="step", ylabel="bits per byte", title="validation bits per byte")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _table(rows: dict) -> list[str]:
    lines = ["| | |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in rows.items()]
    return lines


def write_report(cfg: Config, stages: dict, path: Path | None = None) -> Path:
    """Write report.md for a run from the stages' results (prepare, pretrain, evaluate, ...)."""
    path = Path(path or Path(cfg.run_dir) / "report.md")
    out = [f"# nanochat run `{cfg.name}`", "", "## Environment", ""]
    out += _table(environment())
    out += ["", "## Configuration", ""]
    out += _table(as_dict(cfg))
    prep = stages.get("prepare")
    if prep:
        out += ["", "## Tokenizer and corpus", ""]
        out += _table({"documents (after dedup)": f"{prep['documents']:,}",
                       "corpus bytes": f"{prep['bytes']:,}", "vocabulary": f"{prep['vocab_size']:,}",
                       "train tokens": f"{prep['splits']['train']['tokens']:,}",
                       "val tokens": f"{prep['splits']['val']['tokens']:,}",
                       "time": ", ".join(f"{k} {v:.1f} s" for k, v in prep["time_s"].items())})
        out += ["", "Compression (bytes per token, higher is better):", "",
                format_compression(prep["compression"])]
    pre = stages.get("pretrain")
    if pre:
        evals = pre["evals"]
        mfu = f"{100 * pre['mfu']:.1f}%" if pre.get("mfu") else "n/a (CPU or unknown GPU)"
        out += ["", "## Pretraining", ""]
        out += _table({"parameters": f"{pre['params']:,}", "steps": pre["steps"],
                       "processes": pre["world_size"], "device": pre["device"],
                       "compile": pre["compile"], "train time (s)": f"{pre['train_time_s']:.1f}",
                       "tokens/s": f"{pre['tok_per_s']:,.0f}" if pre.get("tok_per_s") else "n/a",
                       "MFU": mfu,
                       "val bpb first -> last": (f"{evals[0]['val_bpb']:.4f} -> {evals[-1]['val_bpb']:.4f}"
                                                 if evals else "n/a")})
        out += ["", "| step | val bpb |", "| ---: | ---: |"]
        out += [f"| {e['step']} | {e['val_bpb']:.4f} |" for e in evals]
        if pre.get("plot"):
            out += ["", f"![loss curves]({Path(pre['plot']).name})"]
    ev = stages.get("evaluate")
    if ev:
        he = ev["humaneval"]
        out += ["", "## Evaluation", ""]
        out += _table({"arithmetic (exact)": f"{ev['arithmetic']['accuracy']:.3f} on {ev['arithmetic']['n']}",
                       "spelling (exact)": f"{ev['spelling']['accuracy']:.3f} on {ev['spelling']['n']}",
                       "HumanEval pass@1": (f"{he['pass@1']:.3f} on {he['n']} problems (harness check: "
                                            f"{'ok' if he['harness_ok'] else 'FAILED'})")
                       if he["available"] else he["reason"],
                       "time (s)": ev["time_s"]})
        out += ["", "Samples:", ""]
        for s in ev["samples"]:
            out += [f"- `{s['prompt']!r}` -> `{s['completion'][:100]!r}`"]
    chat = stages.get("chat")
    if chat:
        out += ["", "## Chat (base model, not fine-tuned yet)", "",
                f"- user: {chat['user']!r}", f"- assistant: {chat['reply'][:200]!r}"]
    times = {name: s.get("stage_time_s") for name, s in stages.items() if s and s.get("stage_time_s")}
    if times:
        out += ["", "## Time per stage", ""]
        out += _table({k: f"{v:.1f} s" for k, v in times.items()})
    atomic_write_text(path, "\n".join(out) + "\n")
    return path
