"""The run report: runs/nanochat/<run>/report.md, with the environment, the configuration and
each stage's figures and time: tokenizer, pretraining (loss.png), evaluation, the base model's
chat, the synthetic data, mid-training (mid_loss.png), SFT (sft_loss.png, chat samples), RL
(rl_reward.png, held-out reward before and after), a calculator call in a conversation, the
generation speed, the web chat in a browser, and the time of every stage."""

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


def _image(label: str, plot) -> list[str]:
    return ["", f"![{label}]({Path(plot).name})"] if plot and plot != "None" else []


def part2_sections(stages: dict) -> list[str]:
    """The sections of part 2's stages that ran: synthetic data, mid-training, SFT, RL, the
    tool call and the web chat."""
    out: list[str] = []
    synthetic = stages.get("synthetic")
    if synthetic:
        out += ["", "## Synthetic data", ""]
        if synthetic.get("llm"):
            out += [f"Identity replies written by {synthetic['llm']}; reasoning and tool use are programmatic.", ""]
        out += ["| type | conversations | new | LLM replies refused (why) | per minute |",
                "| --- | ---: | ---: | --- | ---: |"]
        for kind, f in synthetic.items():
            if isinstance(f, dict):
                why = ", ".join(f"{n} {r}" for r, n in f.get("reasons", {}).items())
                out.append(f"| {kind} | {f['total']} | {f['written']} | {f['rejected']}"
                           f"{f' ({why})' if why else ''} | {f['per_minute']:.1f} |")
    for key, title in (("midtrain", "Mid-training"), ("sft", "SFT")):
        stage = stages.get(key)
        if not stage:
            continue
        evals = stage.get("evals") or []
        out += ["", f"## {title}", ""]
        out += _table({"steps": stage["steps"], "conversations": stage.get("conversations", "?"),
                       "mixture": stage.get("mixture", "?"), "train time (s)": f"{stage['train_time_s']:.1f}",
                       "val loss first -> last": (f"{evals[0]['val_loss']:.4f} -> {evals[-1]['val_loss']:.4f}"
                                                  if evals else "n/a")})
        out += _image(f"{title} loss", stage.get("plot"))
        if stage.get("samples"):
            out += ["", "Chat samples (greedy):", ""]
            out += [f"- user: {s['user']!r}<br>assistant: {s['reply'][:200]!r}" for s in stage["samples"]]
    rl = stages.get("rl")
    if rl:
        history = rl.get("history") or []
        after = rl.get("reward_after")
        out += ["", "## RL (verifiable rewards: letter counting, arithmetic)", ""]
        out += _table({"steps": rl["steps"],
                       "questions x samples per step": f"{rl['settings']['prompts']} x {rl['settings']['samples']}",
                       "mean sampled reward first -> last step": (f"{history[0]['mean_reward']:.3f} -> "
                                                                   f"{history[-1]['mean_reward']:.3f}" if history else "n/a"),
                       f"held-out greedy reward ({rl['held_out_questions']} questions) before -> after":
                           f"{rl['reward_before']:.3f} -> " + ("n/a" if after is None else f"{after:.3f}"),
                       "train time (s)": f"{rl['train_time_s']:.1f}"})
        out += _image("RL reward curve", rl.get("plot"))
    generation = stages.get("generation")
    if generation:
        out += ["", "## Generation speed (KV cache, sampling, no stop token)", "",
                "| samples at once | tokens | seconds | tokens/s |", "| ---: | ---: | ---: | ---: |"]
        out += [f"| {k[6:]} | {v['tokens']} | {v['seconds']:.2f} | {v['tok_per_s']:,.1f} |"
                for k, v in generation.items() if k.startswith("batch_")]
        out += ["", f"Prompt of {generation['prefill_tokens']} tokens, prefill included in the time."]
    tool = stages.get("tool_call")
    if tool:
        out += ["", "## A calculator call in a conversation", "", f"- user: {tool['user']!r}",
                f"- assistant (as shown): {tool['shown'][:300]!r}",
                f"- calls the engine evaluated: {tool['calls'] or 'none'}"]
    web = stages.get("web_chat")
    if web:
        out += ["", "## Web chat", "", f"- {web['summary']}"]
        out += _image("web chat screenshot", web.get("screenshot"))
    return out


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
    out += part2_sections(stages)
    times = {name: s.get("stage_time_s") for name, s in stages.items()
             if isinstance(s, dict) and s.get("stage_time_s")}
    if times:
        out += ["", "## Time per stage", ""]
        out += _table({k: f"{v:.1f} s" for k, v in times.items()})
    atomic_write_text(path, "\n".join(out) + "\n")
    return path


# -- the scaling table of the README -----------------------------------------------------------
# Stated, not measured (no 8-GPU machine was used to write this): an H100 SXM's dense bf16 peak,
# the model FLOPs utilisation nanochat-style runs reach on it, and a typical rental price.
H100_PEAK_FLOPS = 989e12
ASSUMED_MFU = 0.40
NODE_PRICE_PER_HOUR = 24.0  # USD for 8 x H100 (about 3 USD per GPU-hour)


def scaling_rows(depths: tuple[int, ...] = (20, 26, 32), tokens_per_param: float = 20.0,
                 gpus: int = 8, mfu: float = ASSUMED_MFU, peak_flops: float = H100_PEAK_FLOPS,
                 price_per_hour: float = NODE_PRICE_PER_HOUR) -> list[dict]:
    """Per depth: parameters (from gpt.py's model code, on the meta device), training tokens at
    `tokens_per_param`, training FLOPs (gpt.flops_per_token x tokens), and the time and cost on
    `gpus` GPUs at `mfu` of `peak_flops` each."""
    from .gpt import parameter_table

    rows = []
    for row in parameter_table(list(depths)):
        tokens = tokens_per_param * row["params"]
        flops = row["flops_per_token"] * tokens
        hours = flops / (gpus * peak_flops * mfu) / 3600
        rows.append({"depth": row["depth"], "params": row["params"], "tokens": tokens, "flops": flops,
                     "hours": hours, "cost_usd": hours * price_per_hour})
    return rows


def measured_mfu(bench_dir: Path | None = None) -> dict | None:
    """The MFU `make bench` measured on a GPU (runs/bench/nanochat_<config>.json of d20, d26,
    d32 or gpu-1, the first found), as {"mfu", "device", "config", "path"}; None when no GPU
    bench was run (a CPU bench has no MFU)."""
    import json

    from .bench import bench_dir as default_bench_dir

    folder = Path(bench_dir or default_bench_dir())
    for name in ("d20", "d26", "d32", "gpu-1"):
        path = folder / f"nanochat_{name}.json"
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if data.get("mfu"):
            return {"mfu": float(data["mfu"]), "device": data.get("device", "?"), "config": name, "path": str(path)}
    return None


def format_scaling(rows: list[dict], measured: dict | None = None) -> str:
    """The scaling table as Markdown; `measured` (measured_mfu's answer) names where the
    throughput came from, else the stated assumption is written."""
    lines = ["| model | parameters | tokens (20/param) | training FLOPs | time on 8 x H100 | cost |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| d{r['depth']} | {r['params'] / 1e6:,.0f}M | {r['tokens'] / 1e9:,.1f}B | "
                     f"{r['flops']:.2e} | {r['hours']:.1f} h | ${r['cost_usd']:,.0f} |")
    if measured:
        lines.append(f"\nTime and cost from the measured throughput: {measured['mfu']:.1%} MFU of "
                     f"{measured['config']} on {measured['device']} ({measured['path']}), assumed to hold on "
                     f"each of 8 GPUs of {H100_PEAK_FLOPS / 1e12:,.0f} TFLOP/s (H100 bf16 dense); "
                     f"${NODE_PRICE_PER_HOUR:.0f} per node-hour; pretraining only.")
    else:
        lines.append(f"\nTime and cost are estimates from a stated throughput, not measured: "
                     f"{ASSUMED_MFU:.0%} MFU of {H100_PEAK_FLOPS / 1e12:,.0f} TFLOP/s (H100 bf16 dense) per GPU, "
                     f"${NODE_PRICE_PER_HOUR:.0f} per node-hour; pretraining only. Run `make bench "
                     "ARGS=--config=d20` on a GPU and `make scaling` uses the measured MFU instead.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the README's scaling table (d20, d26, d32): from the MFU `make bench` measured on
    a GPU when there is such a bench file, else from a stated 40%; takes no options."""
    from shared.cli import parse_overrides

    parse_overrides(sys.argv[1:] if argv is None else argv, {}, main.__doc__)
    measured = measured_mfu()
    rows = scaling_rows(mfu=measured["mfu"]) if measured else scaling_rows()
    print(format_scaling(rows, measured))
    return 0


if __name__ == "__main__":
    from shared.cli import run_main

    raise SystemExit(run_main(main))
