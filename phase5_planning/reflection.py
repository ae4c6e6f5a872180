"""REFLECTION.md from the latest benchmark figures: the roadmap's five questions, answered with
numbers, each saying which run and model it comes from, and "not measured yet" where no figure is.

    python -m phase5_planning.reflection                       # runs/bench -> phase5_planning/REFLECTION.md
    python -m phase5_planning.reflection --bench=/elsewhere/runs/bench --out=/tmp/REFLECTION.md

It reads, under the bench folder:
- phase5.json (the table `make bench` keeps: pass@1 per model and generation, the aims, which run
  each model's figures come from), or else the newest run folder under phase5/ (its summary.json,
  or its results.jsonl summarised again);
- reliability.json (python -m shared.bench.reliability): failure patterns and the fixes' effect.
Nothing is invented: a question whose figures are missing says what to run to get them.
REFLECTION_TEMPLATE.md beside it is the same five questions, empty, for a learner's own run.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from shared.atomic_write import atomic_write_text
from shared.cli import parse_overrides, run_main
from shared.trajectory import runs_root

HERE = Path(__file__).resolve().parent
OUT = HERE / "REFLECTION.md"
NOT_MEASURED = "not measured yet"
bench = ""   # default: <runs>/bench
out = ""     # default: phase5_planning/REFLECTION.md


# -- reading the figures ------------------------------------------------------------------------------
def load_benchmark(folder: Path) -> dict[str, Any] | None:
    """{"table", "aims", "source", "runs"} from phase5.json, else from the newest run folder;
    None when there is no benchmark figure at all."""
    folder = Path(folder)
    table_file = folder / "phase5.json"
    if table_file.is_file():
        data = json.loads(table_file.read_text(encoding="utf-8"))
        if data.get("table"):
            runs = {m: Path(str(p)).name for m, p in data.get("runs", {}).items()}
            return {"table": data["table"], "aims": data.get("aims", []), "runs": runs,
                    "source": f"{table_file.name} (updated {data.get('updated_at', '?')})"}
    runs_dir = folder / "phase5"
    candidates = sorted((p for p in runs_dir.glob("*") if (p / "results.jsonl").is_file()),
                        key=lambda p: p.name) if runs_dir.is_dir() else []
    for run in reversed(candidates):
        summary = run / "summary.json"
        if summary.is_file():
            data = json.loads(summary.read_text(encoding="utf-8"))
        else:
            records = [json.loads(line) for line in
                       (run / "results.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
            if not records:
                continue
            from shared.bench.figures import check_aims, summarise

            table = summarise(records)
            data = {"table": table, "aims": check_aims(table)}
        return {"table": data["table"], "aims": data.get("aims", []),
                "runs": {m: run.name for m in data["table"]},
                "source": f"phase5/{run.name}/" + ("summary.json" if summary.is_file()
                                                   else "results.jsonl")}
    return None


def load_reliability(folder: Path) -> dict[str, Any] | None:
    path = Path(folder) / "reliability.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


# -- small helpers ------------------------------------------------------------------------------------
def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def where(bench_data: dict[str, Any], model: str, gen: str) -> str:
    """Which run and model a figure comes from, in brackets."""
    figures = bench_data["table"][model][gen]
    commit = ", ".join(figures.get("meta", {}).get("commit", [])) or "?"
    return (f"(run {bench_data['runs'].get(model, '?')}, {model}, {gen}, {figures['tasks']} "
            f"tasks x {figures['runs'] // max(1, figures['tasks'])} seed(s), commit {commit})")


def size_of(model: str) -> float:
    """The parameter count a model's name states, in billions (0 when it does not say)."""
    import re

    found = re.search(r"(\d+(?:\.\d+)?)\s*b\b", model.lower())
    return float(found.group(1)) if found else 0.0


def completed(figures: dict[str, Any]) -> int:
    """Runs that reached their grade (not stopped at the time limit, not crashed)."""
    return figures["runs"] - figures.get("timeouts", 0) - figures.get("errors", 0)


def top_failures(figures: dict[str, Any], n: int = 3) -> str:
    items = sorted(figures.get("failures", {}).items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{k} {v}" for k, v in items) or "none"


# -- the five answers --------------------------------------------------------------------------------
def answer_bottleneck(b: dict[str, Any] | None) -> list[str]:
    if not b:
        return [f"{NOT_MEASURED.capitalize()}: no benchmark figures. Run `make bench` (or "
                "`python -m shared.bench.command`), then this again."]
    lines = []
    table = b["table"]
    arch_gaps, model_gaps = [], []
    for model, gens in table.items():
        if "plain" in gens and "phase5" in gens:
            p, a = gens["plain"], gens["phase5"]
            if completed(a) == 0:
                lines.append(f"- Architecture, {model}: {NOT_MEASURED}: every phase5 run stopped "
                             f"at its time limit or crashed ({a['timeouts']} timeouts, "
                             f"{a.get('errors', 0)} errors of {a['runs']} runs) "
                             f"{where(b, model, 'phase5')}; plain passed {pct(p['pass_at_1'])} "
                             f"{where(b, model, 'plain')}. On this machine the bottleneck "
                             "measured is compute time, not the model nor the architecture.")
                continue
            gap = 100 * (a["pass_at_1"] - p["pass_at_1"])
            arch_gaps.append(gap)
            lines.append(f"- Architecture, {model}: phase5 {pct(a['pass_at_1'])} against one "
                         f"plain reply {pct(p['pass_at_1'])}, {gap:+.0f} points "
                         f"{where(b, model, 'phase5')}.")
    models = sorted(table, key=size_of)
    for small, big in zip(models, models[1:], strict=False):
        for gen in ("phase5", "plain"):
            if gen in table[small] and gen in table[big] and completed(table[small][gen]) \
                    and completed(table[big][gen]):
                gap = 100 * (table[big][gen]["pass_at_1"] - table[small][gen]["pass_at_1"])
                model_gaps.append(gap)
                lines.append(f"- Model, {gen}: {big} {pct(table[big][gen]['pass_at_1'])} against "
                             f"{small} {pct(table[small][gen]['pass_at_1'])}, {gap:+.0f} points "
                             f"{where(b, big, gen)}.")
                break
    if len(models) < 2:
        lines.append(f"- Model: {NOT_MEASURED}: only {models[0] if models else 'no model'} ran; "
                     "run the benchmark with AGENTLAB_EMBEDDED_MODEL=qwen2.5-coder-1.5b too.")
    if arch_gaps and model_gaps:
        arch, model = max(arch_gaps), max(model_gaps)
        verdict = ("the architecture" if arch > model else "the model" if model > arch
                   else "neither more than the other")
        lines.append(f"- Verdict: {verdict} moved pass@1 more ({arch:+.0f} points from the "
                     f"architecture, {model:+.0f} from the bigger model).")
    elif arch_gaps:
        lines.append(f"- Verdict: the architecture is worth {max(arch_gaps):+.0f} points with "
                     "this model; whether a bigger model is worth more is not measured yet.")
    else:
        lines.append("- Verdict: not measured yet: no run compared both the architecture and "
                     "the model to completion.")
    return lines


def answer_surprises(b: dict[str, Any] | None, r: dict[str, Any] | None) -> list[str]:
    if not b:
        return [f"{NOT_MEASURED.capitalize()}: no benchmark figures."]
    lines = []
    for model, gens in b["table"].items():
        for gen, f in gens.items():
            passed = sorted(t for t, v in f.get("task_pass", {}).items() if v >= 0.5)
            failed = sorted(t for t, v in f.get("task_pass", {}).items() if v < 0.5)
            well = pct(f["well_formed"]) if completed(f) else "- (no run completed)"
            lines.append(f"- {model}, {gen}: passed {len(passed)} of {f['tasks']} tasks "
                         f"({', '.join(passed) or 'none'}); failed: {', '.join(failed) or 'none'}"
                         f" (failure classes: {top_failures(f)}); well-formed replies {well} "
                         f"{where(b, model, gen)}.")
    if r and r.get("patterns", {}).get("groups"):
        counts = r["patterns"]["counts"]
        for group in r["patterns"]["groups"]:
            top = sorted(counts.get(group, {}).items(), key=lambda kv: -kv[1])[:3]
            lines.append(f"- Failure patterns, {group}: "
                         + (", ".join(f"{k} {v}" for k, v in top) or "none found")
                         + f" in {r['patterns']['runs'][group]} trajectories "
                         f"(reliability report, {r.get('written_at', '?')}).")
    else:
        lines.append(f"- Failure patterns: {NOT_MEASURED} (run `python -m shared.bench.reliability`).")
    recorded = (r or {}).get("recorded") or {}
    for consumer, row in recorded.items():
        if row.get("problems"):
            problems = ", ".join(f"{k} {v}" for k, v in sorted(row["problems"].items(),
                                                              key=lambda kv: -kv[1]))
            lines.append(f"- Recorded {consumer} replies ({row['real']} real, {row['derived']} "
                         f"derived): {row['valid']} usable, {row['malformed']} not ({problems}).")
    return lines


def answer_stronger(b: dict[str, Any] | None) -> list[str]:
    if not b:
        return [f"{NOT_MEASURED.capitalize()}: no benchmark figures."]
    table = b["table"]
    models = sorted(table, key=size_of)
    if len(models) < 2:
        small = models[0]
        f = table[small].get("phase5") or next(iter(table[small].values()))
        return [f"- {NOT_MEASURED.capitalize()}: only {small} ran. What it would address, from "
                f"this run: the failures of {small} ({top_failures(f)}) and its well-formed share "
                f"({pct(f['well_formed']) if completed(f) else 'no run completed'}). Run `make "
                "bench` with "
                "AGENTLAB_EMBEDDED_MODEL=qwen2.5-coder-1.5b to measure it."]
    lines = []
    small, big = models[0], models[-1]
    for gen in table[big]:
        if gen in table[small]:
            s, g = table[small][gen], table[big][gen]
            lines.append(f"- {gen}: pass@1 {pct(s['pass_at_1'])} -> {pct(g['pass_at_1'])}, "
                         f"well-formed {pct(s['well_formed'])} -> {pct(g['well_formed'])}, "
                         f"{s['mean_seconds']:.0f} -> {g['mean_seconds']:.0f} s per task, "
                         f"failures {top_failures(s)} -> {top_failures(g)} ({small} -> {big}, "
                         f"runs {b['runs'].get(small, '?')} and {b['runs'].get(big, '?')}).")
    return lines or [f"- {NOT_MEASURED.capitalize()}: the two models share no generation."]


def answer_no_tutorial(b: dict[str, Any] | None, r: dict[str, Any] | None) -> list[str]:
    lines = []
    if b:
        for model, gens in b["table"].items():
            runs = sum(f["runs"] for f in gens.values())
            timeouts = sum(f.get("timeouts", 0) for f in gens.values())
            if runs:
                slowest = max(gens.items(), key=lambda kv: kv[1]["mean_seconds"])
                lines.append(f"- Time: {timeouts} of {runs} runs of {model} hit the task's time "
                             f"limit; {slowest[0]} took {slowest[1]['mean_seconds']:.0f} s per task "
                             f"on average (run {b['runs'].get(model, '?')}).")
    if r:
        fixes = r.get("fixes", {})
        for commit, figures in fixes.items():
            text = figures.get("summary") or (figures.get("trajectories") or {}).get("summary")
            if text:
                lines.append(f"- {commit}: {text}.")
        counts = r.get("patterns", {}).get("counts", {})
        total = {}
        for group in counts.values():
            for k, v in group.items():
                total[k] = total.get(k, 0) + v
        if total:
            lines.append("- Over every trajectory read: " + ", ".join(
                f"{k} {v}" for k, v in sorted(total.items(), key=lambda kv: -kv[1])) + ".")
    else:
        lines.append(f"- Failure patterns and the fixes' effect: {NOT_MEASURED} (run "
                     "`python -m shared.bench.reliability`).")
    return lines or [f"{NOT_MEASURED.capitalize()}."]


def answer_reuse(b: dict[str, Any] | None, r: dict[str, Any] | None) -> list[str]:
    lines = ["- The pieces that do not know the domain: the agent loop with its action formats "
             "and forgiving parsers (shared.agent), output validation of every reply "
             "(shared.reply_checks), the context budget (shared.context), plan-as-state and a "
             "verified finish (shared.planning), the benchmark harness with its taxonomy and the "
             "prompt regression suite (shared.bench)."]
    if b:
        ablations = [(m, g, f) for m, gens in b["table"].items() for g, f in gens.items()
                     if g.startswith("phase5-")]
        for model, gen, f in ablations:
            full = b["table"][model].get("phase5")
            if full and completed(full) and completed(f):
                lines.append(f"- {gen}: pass@1 {pct(f['pass_at_1'])} against "
                             f"{pct(full['pass_at_1'])} with every technique ({model}): the "
                             "technique switched off there is worth "
                             f"{100 * (full['pass_at_1'] - f['pass_at_1']):+.0f} points.")
        if not ablations:
            lines.append(f"- Which technique is worth carrying over: {NOT_MEASURED} (no ablation "
                         "ran: `make bench ARGS=\"--generations=phase5,phase5-no_plan,...\"`).")
    if r:
        from shared.bench.prompt_regression import load_cases

        try:
            cases = len(load_cases())
        except OSError:
            cases = 0
        lines.append(f"- The regression suite's {cases} recorded replies are the domain-free "
                     "part to re-record for a new domain's prompts.")
    return lines


QUESTIONS = [
    ("1. The bottleneck: the model or the architecture?", "bottleneck"),
    ("2. Where the small model surprised, and where it failed", "surprises"),
    ("3. What a stronger model would change", "stronger"),
    ("4. What no tutorial warned about", "no_tutorial"),
    ("5. What to reuse for another domain", "reuse"),
]


def answers(b: dict[str, Any] | None, r: dict[str, Any] | None) -> dict[str, list[str]]:
    return {"bottleneck": answer_bottleneck(b), "surprises": answer_surprises(b, r),
            "stronger": answer_stronger(b), "no_tutorial": answer_no_tutorial(b, r),
            "reuse": answer_reuse(b, r)}


def render(b: dict[str, Any] | None, r: dict[str, Any] | None, bench_dir: str) -> str:
    sources = []
    sources.append(f"benchmark: `{bench_dir}/{b['source']}`" if b else f"benchmark: {NOT_MEASURED}")
    sources.append(f"reliability: `{bench_dir}/reliability.json` ({r.get('written_at', '?')}, "
                   f"{r.get('trajectories', 0)} trajectories)" if r
                   else f"reliability: {NOT_MEASURED}")
    lines = ["# Phase 5 reflection", "",
             "Generated by `python -m phase5_planning.reflection` from the latest benchmark "
             "figures; run it again after `make bench` and `python -m shared.bench.reliability` "
             "to refresh every number. Your own answers go in a copy of "
             "[REFLECTION_TEMPLATE.md](REFLECTION_TEMPLATE.md).", "",
             f"Figures from: {'; '.join(sources)}. Written {datetime.now():%Y-%m-%d}.", ""]
    if b:
        lines += ["| model | generation | pass@1 | runs | timeouts | well-formed | s/task |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for model, gens in b["table"].items():
            for gen, f in gens.items():
                lines.append(f"| {model} | {gen} | {pct(f['pass_at_1'])} | {f['runs']} | "
                             f"{f.get('timeouts', 0)} | "
                             f"{pct(f['well_formed']) if completed(f) else '-'} | "
                             f"{f['mean_seconds']:.0f} |")
        lines.append("")
    found = answers(b, r)
    for title, key in QUESTIONS:
        lines += [f"## {title}", "", *found[key], ""]
    return "\n".join(lines)


def write_reflection(bench_dir: Path, out_path: Path = OUT) -> str:
    shown = "/".join(Path(bench_dir).parts[-2:])  # "runs/bench": the same on every machine
    text = render(load_benchmark(bench_dir), load_reliability(bench_dir), shown)
    atomic_write_text(Path(out_path), text)
    return text


def main(argv: list[str] | None = None) -> int:
    o = parse_overrides(sys.argv[1:] if argv is None else argv, {"bench": bench, "out": out},
                        doc=__doc__)
    bench_dir = Path(o["bench"]) if o["bench"] else runs_root() / "bench"
    path = Path(o["out"]) if o["out"] else OUT
    write_reflection(bench_dir, path)
    print(f"wrote {path} from {bench_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
