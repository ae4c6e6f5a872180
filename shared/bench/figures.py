"""The benchmark's figures, computed from its result records (a live run or a replay alike).

    table = summarise(records)          # {model: {generation: figures}}
    table["qwen2.5-coder-0.5b"]["phase5"]["pass_at_1"], ...["tracks"]["function"]["pass_at_1"]
    check_aims(table)                   # the issue's aims, each met / not met / not measured

pass@k: the chance that at least one of k runs of a task passes, estimated from the n runs we
have (one per seed) with the unbiased estimator 1 - C(n-c, k) / C(n, k), c of them passing
(Chen et al. 2021, the HumanEval paper), averaged over the tasks. pass@1 is also given per seed,
so its spread over seeds shows how much one run can be trusted. The first try is seed 0.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from math import comb
from typing import Any

from shared.bench.generations import ORDER
from shared.bench.taxonomy import count_classes, count_coordination

AIM_POINTS = 15           # phase 5 must beat one plain reply by this many points ...
AIM_MODEL = "0.5b"        # ... on the function track, with the 0.5B model
AIM_TASKS = ("line_report", "function_and_tests")  # tasks phase 3 failed that phase 5 must pass


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased estimate of pass@k from n runs of which c passed (k <= n)."""
    if not 0 < k <= n or not 0 <= c <= n:
        raise ValueError(f"pass@k needs 0 < k <= n and 0 <= c <= n, not n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def spread(values: list[float]) -> float:
    """The standard deviation over seeds (0 with one seed: nothing to compare)."""
    return statistics.stdev(values) if len(values) > 1 else 0.0


def pass_figures(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Pass figures of one group of records: pass@1 (mean and spread over seeds), the first try,
    and pass@k for every k up to the fewest runs any task had."""
    by_task: dict[str, list[bool]] = defaultdict(list)
    by_seed: dict[int, list[bool]] = defaultdict(list)
    for r in records:
        by_task[r["task"]].append(bool(r.get("passed")))
        by_seed[int(r["seed"])].append(bool(r.get("passed")))
    if not by_task:
        return {"tasks": 0, "runs": 0, "pass_at_1": 0.0, "pass_at_1_spread": 0.0,
                "first_try": 0.0, "pass_at_k": {}}
    n_min = min(len(v) for v in by_task.values())
    per_seed = [mean(v) for _, v in sorted(by_seed.items())]
    return {
        "tasks": len(by_task), "runs": len(records),
        "pass_at_1": round(mean(per_seed), 4),
        "pass_at_1_spread": round(spread(per_seed), 4),
        "first_try": round(mean(by_seed[min(by_seed)]), 4),
        "pass_at_k": {str(k): round(mean([pass_at_k(len(v), sum(v), k)
                                          for v in by_task.values()]), 4)
                      for k in range(1, n_min + 1)},
    }


def first_action(records: list[dict[str, Any]]) -> float | None:
    """The mean time to the first executed action, over the runs that acted (None: none did)."""
    acted = [float(r["first_action_s"]) for r in records if r.get("first_action_s") is not None]
    return round(mean(acted), 2) if acted else None


def group_figures(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything the report shows for one model and generation."""
    replies = sum(r.get("replies", 0) for r in records)
    figures = pass_figures(records)
    figures.update(
        well_formed=round(sum(r.get("well_formed", 0) for r in records) / replies, 4)
        if replies else 0.0,
        mean_seconds=round(mean([r.get("wall_seconds") or r.get("seconds") or 0.0
                                 for r in records]), 2),
        mean_tokens=round(mean([r.get("prompt_tokens", 0) + r.get("completion_tokens", 0)
                                for r in records]), 1),
        mean_steps=round(mean([r.get("steps", 0) for r in records]), 2),
        mean_first_action_s=first_action(records),
        timeouts=sum(r.get("status") == "timeout" for r in records),
        errors=sum(r.get("status") == "error" for r in records),
        failures=count_classes(records),
        tracks={track: pass_figures([r for r in records if r.get("track") == track])
                for track in sorted({r.get("track", "") for r in records})},
        task_pass={task: round(mean([bool(r.get("passed")) for r in records
                                     if r["task"] == task]), 4)
                   for task in sorted({r["task"] for r in records})},
        meta={key: sorted({str(r.get(key)) for r in records})
              for key in ("backend", "quantisation", "n_ctx", "temperature", "commit")},
    )
    if any("coordination" in r for r in records):  # a multi-agent generation
        figures["coordination"] = count_coordination(records)
        figures["coordination_runs"] = sum(bool(r.get("coordination")) for r in records)
    return figures


def generation_order(names: list[str]) -> list[str]:
    """Generations oldest first, each ablation after its generation ("phase5", "phase5-no_plan");
    unknown names last."""

    def rank(name: str) -> tuple[int, str]:
        base = name.partition("-")[0]
        return (ORDER.index(base) if base in ORDER else len(ORDER), name)

    return sorted(names, key=rank)


def summarise(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{model: {generation: figures}}, generations oldest first."""
    groups: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        groups[r.get("model", "default")][r["generation"]].append(r)
    return {model: {g: group_figures(gens[g]) for g in generation_order(list(gens))}
            for model, gens in sorted(groups.items())}


# -- the aims of the issue, computed -----------------------------------------------------------
def aim(text: str, status: str, detail: str) -> dict[str, str]:
    return {"aim": text, "status": status, "detail": detail}


def main_failures(figures: dict[str, Any], n: int = 3) -> str:
    """The commonest failure classes of a generation, as words ("tests failing 12, loop 3")."""
    top = sorted(figures.get("failures", {}).items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{name} {count}" for name, count in top) or "no failures recorded"


def aim_beats_plain(table: dict[str, dict[str, Any]]) -> dict[str, str]:
    text = (f"phase5 beats one plain reply by at least {AIM_POINTS} points on the function "
            f"track with the {AIM_MODEL.upper()} model")
    models = [m for m in table if AIM_MODEL in m.lower()]
    for model in models:
        gens = table[model]
        if "phase5" in gens and "plain" in gens and "function" in gens["phase5"]["tracks"] \
                and "function" in gens["plain"]["tracks"]:
            p5 = gens["phase5"]["tracks"]["function"]
            plain = gens["plain"]["tracks"]["function"]
            gain = 100 * (p5["pass_at_1"] - plain["pass_at_1"])
            detail = (f"{model}: phase5 {100 * p5['pass_at_1']:.0f}% vs plain "
                      f"{100 * plain['pass_at_1']:.0f}% ({gain:+.0f} points) on "
                      f"{p5['tasks']} function tasks")
            if gain >= AIM_POINTS:
                return aim(text, "met", detail)
            return aim(text, "not met", f"{detail}; phase5's failures: "
                                        f"{main_failures(gens['phase5'])}")
    return aim(text, "not measured", "no run of both plain and phase5 on the function track "
                                     f"with a {AIM_MODEL} model")


def aim_each_beats_previous(table: dict[str, dict[str, Any]]) -> dict[str, str]:
    text = "each generation beats the one before (pass@1 over all tasks)"
    details, met, measured = [], True, False
    for model, gens in table.items():
        names = generation_order([g for g in gens if g in ORDER])  # ablations are not generations
        if len(names) < 2:
            continue
        measured = True
        for before, after in zip(names, names[1:], strict=False):
            a, b = gens[before]["pass_at_1"], gens[after]["pass_at_1"]
            if b <= a:
                met = False
                details.append(f"{model}: {after} {100 * b:.0f}% does not beat {before} "
                               f"{100 * a:.0f}% ({after}'s failures: "
                               f"{main_failures(gens[after])})")
    if not measured:
        return aim(text, "not measured", "fewer than two generations were run")
    if met:
        return aim(text, "met", "; ".join(
            f"{m}: " + " < ".join(f"{g} {100 * t['pass_at_1']:.0f}%" for g, t in gens.items()
                                  if g in ORDER)
            for m, gens in table.items()))
    return aim(text, "not met", "; ".join(details))


def aim_named_tasks(table: dict[str, dict[str, Any]]) -> dict[str, str]:
    text = (f"{' and '.join(AIM_TASKS)} pass with the phase5 agent (on at least half of the "
            "seeds)")
    details, met, measured = [], True, False
    for model, gens in table.items():
        task_pass = gens.get("phase5", {}).get("task_pass", {})
        for task in AIM_TASKS:
            if task not in task_pass:
                continue
            measured = True
            ok = task_pass[task] >= 0.5
            met = met and ok
            details.append(f"{model}: {task} {'passes' if ok else 'fails'} "
                           f"({100 * task_pass[task]:.0f}% of seeds)")
    if not measured:
        return aim(text, "not measured", "phase5 was not run on these tasks")
    return aim(text, "met" if met else "not met", "; ".join(details))


def check_aims(table: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    """The issue's three aims, each with "met", "not met" or "not measured" and the figures."""
    return [aim_beats_plain(table), aim_each_beats_previous(table), aim_named_tasks(table)]
