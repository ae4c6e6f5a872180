"""The benchmark's report: a markdown page with its tables and plots, written into the run folder.

    path = write_report(run_dir, records)     # -> <run_dir>/report.md, plots/*.png, summary.json

The page says what ran (models, quantisation, context size, temperature, seeds, commit), whether
each aim of the issue is met (computed from the figures, with the figures), the table per model
and generation, the failure taxonomy, and each task's pass rate. Every file is written atomically:
a reader never sees half a report.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: the report is written where no screen may be
import matplotlib.pyplot as plt  # noqa: E402

from shared.atomic_write import atomic_write_bytes, atomic_write_text  # noqa: E402
from shared.bench.figures import check_aims, generation_order, summarise  # noqa: E402
from shared.bench.taxonomy import CLASSES, COORDINATION_KINDS, count_coordination  # noqa: E402

REPORT = "report.md"
SUMMARY = "summary.json"
PLOTS = "plots"


def pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def save_figure(fig: Any, path: Path) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())


def groups(records: list[dict[str, Any]]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(model, generation, its records), models sorted, generations oldest first."""
    out = []
    for model in sorted({r["model"] for r in records}):
        mine = [r for r in records if r["model"] == model]
        for gen in generation_order(sorted({r["generation"] for r in mine})):
            out.append((model, gen, [r for r in mine if r["generation"] == gen]))
    return out


def plot_pass_rates(table: dict[str, dict[str, Any]], path: Path) -> None:
    """pass@1 per generation, one bar per model, for all tasks and each track; the error bar
    is the spread over seeds."""
    tracks = ["all"] + sorted({t for gens in table.values() for g in gens.values()
                               for t in g["tracks"]})
    gens = generation_order(sorted({g for m in table.values() for g in m}))
    fig, axes = plt.subplots(1, len(tracks), figsize=(4.5 * len(tracks), 3.8), squeeze=False)
    width = 0.8 / max(1, len(table))
    for ax, track in zip(axes[0], tracks, strict=True):
        for i, (model, figures) in enumerate(table.items()):
            xs, ys, errs = [], [], []
            for x, gen in enumerate(gens):
                if gen in figures:
                    f = figures[gen] if track == "all" else figures[gen]["tracks"].get(track)
                    if f:
                        xs.append(x + i * width)
                        ys.append(100 * f["pass_at_1"])
                        errs.append(100 * f["pass_at_1_spread"])
            ax.bar(xs, ys, width, yerr=errs, capsize=3, label=model)
        ax.set_xticks([x + width * (len(table) - 1) / 2 for x in range(len(gens))], gens,
                      rotation=30)
        ax.set_ylim(0, 100)
        ax.set_ylabel("pass@1 (%)")
        ax.set_title(f"{track} tasks")
    axes[0][0].legend(fontsize=8)
    save_figure(fig, path)


def per_task_means(records: list[dict[str, Any]], key: Any) -> list[float]:
    """Each task's mean of key(record) over its seeds."""
    values: dict[str, list[float]] = {}
    for r in records:
        values.setdefault(r["task"], []).append(float(key(r)))
    return [sum(v) / len(v) for v in values.values()]


def plot_costs(records: list[dict[str, Any]], path: Path) -> None:
    """Time, tokens and steps per task (each task's mean over its seeds), per model and
    generation, as box plots."""
    rows = groups(records)
    labels = [f"{gen}\n{model}" if len({m for m, _, _ in rows}) > 1 else gen
              for model, gen, _ in rows]
    measures = [("seconds per task", lambda r: r.get("wall_seconds") or r.get("seconds") or 0),
                ("tokens per task",
                 lambda r: r.get("prompt_tokens", 0) + r.get("completion_tokens", 0)),
                ("replies (attempts, steps) per task", lambda r: r.get("steps", 0))]
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    for ax, (title, key) in zip(axes, measures, strict=True):
        ax.boxplot([per_task_means(rs, key) for _, _, rs in rows], showmeans=True)
        ax.set_xticks(range(1, len(rows) + 1), labels, rotation=30, fontsize=8)
        ax.set_title(title)
    save_figure(fig, path)


def plot_failures(records: list[dict[str, Any]], path: Path) -> None:
    """How the failed runs of each generation failed, stacked by class."""
    rows = groups(records)
    fig, ax = plt.subplots(figsize=(max(5, 1.2 * len(rows)), 3.8))
    bottoms = [0] * len(rows)
    for name in CLASSES:
        counts = [sum(r.get("failure") == name for r in rs) for _, _, rs in rows]
        if any(counts):
            ax.bar(range(len(rows)), counts, bottom=bottoms, label=name)
            bottoms = [b + c for b, c in zip(bottoms, counts, strict=True)]
    ax.set_xticks(range(len(rows)), [f"{g}\n{m}" for m, g, _ in rows], rotation=30, fontsize=8)
    ax.set_ylabel("failed runs")
    ax.set_title("failure taxonomy")
    if any(bottoms):
        ax.legend(fontsize=8)
    save_figure(fig, path)


def run_section(info: dict[str, Any], records: list[dict[str, Any]], source: str) -> list[str]:
    config = info.get("config", {})
    models = info.get("models", {})
    tracks = Counter(r.get("track", "") for r in records if r.get("seed") == 0
                     and r["generation"] == records[0]["generation"]
                     and r["model"] == records[0]["model"])
    lines = ["## What ran", "",
             f"- figures from: {source}",
             f"- started: {info.get('created_at', '?')}, code at commit {info.get('commit', '?')}",
             f"- command: `{info.get('command', '?')}`",
             f"- generations: {', '.join(config.get('generations', []))}; seeds: "
             f"{config.get('seeds', '?')}; temperature: {config.get('temperature', '?')}; "
             f"step limit of the agents: {config.get('max_steps', '?')}",
             "- tasks: " + ", ".join(f"{n} {t or '(no track)'}" for t, n in sorted(tracks.items())),
             f"- runs recorded: {len(records)}"]
    for spec, meta in models.items():
        lines.append(f"- model {meta.get('model') or spec or 'default'}: backend "
                     f"{meta.get('backend', '?')}, quantisation {meta.get('quantisation', '?')}, "
                     f"context {meta.get('n_ctx') or 'unknown'} tokens")
    return lines + [""]


def aims_section(aims: list[dict[str, str]]) -> list[str]:
    lines = ["## The aims", "", "| aim | status | figures |", "| --- | --- | --- |"]
    lines += [f"| {a['aim']} | **{a['status']}** | {a['detail']} |" for a in aims]
    return lines + [""]


def table_section(table: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["## Results per model and generation", "",
             "pass@1: the mean over seeds of the share of tasks passed (± its spread over seeds); "
             "first try: seed 0 alone; pass@k: at least one of k runs passes; well-formed: "
             "replies the generation could act on; s to 1st action: seconds from the start of a "
             "run to its first executed tool call (plain, phase 2: its first program), over the "
             "runs that acted.", "",
             "| model | generation | pass@1 | first try | pass@k | function | project | "
             "well-formed | s/task | s to 1st action | tokens/task | replies/task | timeouts |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for model, gens in table.items():
        for gen, f in gens.items():
            at_k = ", ".join(f"@{k} {pct(v)}" for k, v in f["pass_at_k"].items() if k != "1")
            track = {t: f"{pct(v['pass_at_1'])} of {v['tasks']}" for t, v in f["tracks"].items()}
            first = f.get("mean_first_action_s")
            lines.append(
                f"| {model} | {gen} | {pct(f['pass_at_1'])} ± {pct(f['pass_at_1_spread'])} | "
                f"{pct(f['first_try'])} | {at_k or '-'} | {track.get('function', '-')} | "
                f"{track.get('project', '-')} | {pct(f['well_formed'])} | {f['mean_seconds']:.1f} | "
                f"{'-' if first is None else f'{first:.1f}'} | "
                f"{f['mean_tokens']:.0f} | {f['mean_steps']:.1f} | {f['timeouts']} |")
    return lines + [""]


def taxonomy_section(records: list[dict[str, Any]]) -> list[str]:
    lines = ["## Failure taxonomy", "",
             "Each failed run gets one class, read from its trajectory (see taxonomy.py).", "",
             "| model | generation | runs | failed | " + " | ".join(CLASSES) + " |",
             "| --- | --- | --- | --- | " + " | ".join("---" for _ in CLASSES) + " |"]
    for model, gen, rs in groups(records):
        counts = Counter(r.get("failure", "") for r in rs)
        failed = sum(v for k, v in counts.items() if k)
        lines.append(f"| {model} | {gen} | {len(rs)} | {failed} | "
                     + " | ".join(str(counts[c]) for c in CLASSES) + " |")
    return lines + [""]


def coordination_section(records: list[dict[str, Any]]) -> list[str]:
    """The multi-agent runs' coordination failures (nothing when there are none)."""
    rows = [(m, g, rs) for m, g, rs in groups(records) if any("coordination" in r for r in rs)]
    if not rows:
        return []
    lines = ["## Coordination failures (multi-agent runs)", "",
             "Read from each run's message log (shared.multiagent.coordination); a run may have "
             "several, or some and still pass.", "",
             "| model | generation | runs | runs with any | " + " | ".join(COORDINATION_KINDS)
             + " |", "| --- | --- | --- | --- | " + " | ".join("---" for _ in COORDINATION_KINDS)
             + " |"]
    for model, gen, rs in rows:
        counts = count_coordination(rs)
        lines.append(f"| {model} | {gen} | {len(rs)} | {sum(bool(r.get('coordination')) for r in rs)}"
                     " | " + " | ".join(str(counts.get(k, 0)) for k in COORDINATION_KINDS) + " |")
    return lines + [""]


def tasks_section(table: dict[str, dict[str, Any]], records: list[dict[str, Any]]) -> list[str]:
    lines = ["## Each task", "", "The share of seeds on which each generation passed the task.",
             ""]
    info = {r["task"]: (r.get("track", ""), r.get("level", "")) for r in records}
    for model, gens in table.items():
        names = list(gens)
        lines += [f"### {model}", "", "| task | track | level | " + " | ".join(names) + " |",
                  "| --- | --- | --- | " + " | ".join("---" for _ in names) + " |"]
        for task in sorted(info, key=lambda t: (info[t][0], str(info[t][1]), t)):
            cells = [pct(gens[g]["task_pass"][task]) if task in gens[g]["task_pass"] else "-"
                     for g in names]
            lines.append(f"| {task} | {info[task][0]} | {info[task][1]} | " + " | ".join(cells)
                         + " |")
        lines.append("")
    return lines


def write_report(run_dir: Path, records: list[dict[str, Any]], *, source: str = "the run",
                 title: str = "Phase 5 benchmark") -> Path:
    """Write report.md, summary.json and the plots under `run_dir`; returns the report's path."""
    run_dir = Path(run_dir)
    if not records:
        raise ValueError(f"no results to report in {run_dir}")
    info_path = run_dir / "run.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
    table = summarise(records)
    aims = check_aims(table)
    plots = run_dir / PLOTS
    plot_pass_rates(table, plots / "pass_rate.png")
    plot_costs(records, plots / "cost_per_task.png")
    plot_failures(records, plots / "failures.png")
    lines = [f"# {title}: {run_dir.name}", ""]
    lines += run_section(info, records, source)
    lines += aims_section(aims)
    lines += table_section(table)
    lines += ["![pass@1 per generation and model](plots/pass_rate.png)", "",
              "![time, tokens and replies per task](plots/cost_per_task.png)", ""]
    lines += taxonomy_section(records)
    lines += ["![failure taxonomy](plots/failures.png)", ""]
    lines += coordination_section(records)
    lines += tasks_section(table, records)
    atomic_write_text(run_dir / SUMMARY, json.dumps({"table": table, "aims": aims}, indent=2)
                      + "\n")
    path = run_dir / REPORT
    atomic_write_text(path, "\n".join(lines))
    return path
