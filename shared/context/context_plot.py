"""The context size per step, read back from trajectories, as a table and as a plot.

    sizes = context_sizes(result.trajectory)          # one row per request sent
    plot_context({"combined": path_a, "none": path_b}, Path("context.png"))

Each "context" event of a trajectory holds the tokens of one request (prompt_tokens), the part
the model had to compute (evaluated_tokens) and the budget. The plot draws the request size per
step for each trajectory (solid), the evaluated part (dotted), and the budget as a line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shared.trajectory import read_trajectory


def context_sizes(trajectory: Path) -> list[dict[str, Any]]:
    """The "context" events of a trajectory: step, request kind, tokens sent and evaluated."""
    return [{k: e.get(k) for k in ("step", "request", "prompt_tokens", "evaluated_tokens", "budget")}
            for e in read_trajectory(trajectory) if e.get("kind") == "context"]


def requests_over_budget(trajectory: Path) -> list[dict[str, Any]]:
    """Requests of a trajectory larger than the budget in force (an empty list is the goal)."""
    return [row for row in context_sizes(trajectory) if row["prompt_tokens"] > row["budget"]]


def plot_context(trajectories: dict[str, Path], path: Path, title: str = "") -> Path:
    """Request size per request (actions and summaries), one line per labelled trajectory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.8))
    budget = 0
    for label, trajectory in trajectories.items():
        rows = context_sizes(trajectory)
        if not rows:
            continue
        xs = range(1, len(rows) + 1)
        line, = ax.plot(xs, [r["prompt_tokens"] for r in rows], label=f"{label}: sent")
        ax.plot(xs, [r["evaluated_tokens"] for r in rows], ":", color=line.get_color(),
                label=f"{label}: evaluated")
        budget = max(budget, rows[0]["budget"] or 0)
    if budget:
        ax.axhline(budget, color="black", linewidth=0.8, linestyle="--", label="budget")
    ax.set_xlabel("request (model call) in the run")
    ax.set_ylabel("prompt tokens")
    ax.set_title(title or "context size per step")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the lines
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
