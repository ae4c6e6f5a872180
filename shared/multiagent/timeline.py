"""A message log replayed as a timeline: one lane per agent, one arrow per message.

    fig = plot_timeline(read_messages(path))          # matplotlib Figure
    fig.savefig("timeline.png")
    print(timeline_text(messages))                    # the same, as lines of text

Each agent's lane shows when it was working (a bar from the message that gave it work to the
next message it sent, labelled with the tokens it spent); each message is an arrow from the
sender's lane to the receiver's at the time it was sent, coloured by its type. A ping-pong shows
as a zigzag between coder and reviewer; an agent that dominates the cost as a long, fat bar.
"""

from __future__ import annotations

from typing import Any

from shared.multiagent.message_log import describe_message

LANES = ["user", "orchestrator", "planner", "coder", "reviewer"]
COLOURS = {"goal": "tab:blue", "plan": "tab:cyan", "replan": "tab:purple",
           "subtask": "tab:orange", "review_request": "tab:olive", "verdict": "tab:red",
           "result": "tab:green"}
WORK = {"goal", "replan", "subtask", "review_request"}  # the messages that give an agent work


def lanes_of(messages: list[dict[str, Any]]) -> list[str]:
    """The lanes to draw: the known roles that appear, in their order, then any others."""
    seen = {m["from"] for m in messages} | {m["to"] for m in messages}
    return [lane for lane in LANES if lane in seen] + sorted(seen - set(LANES))


def work_spans(messages: list[dict[str, Any]]) -> list[tuple[str, float, float, int]]:
    """(agent, start, end, tokens): from a message that gave an agent work to the next message
    that agent sent (a rejection goes to the coder, but its work starts with the next subtask
    message; the orchestrator and the user are not agents)."""
    spans = []
    for i, m in enumerate(messages):
        agent = m["to"]
        if agent in ("orchestrator", "user") or m["type"] not in WORK:
            continue
        reply = next((n for n in messages[i + 1:] if n["from"] == agent), None)
        if reply is not None:
            spans.append((agent, float(m["time"]), float(reply["time"]), int(reply["tokens"])))
    return spans


def plot_timeline(messages: list[dict[str, Any]], title: str = "messages between agents",
                  ax: Any = None) -> Any:
    """Draw the timeline; returns the Figure."""
    if not messages:
        raise ValueError("the message log is empty: there is nothing to draw")
    import matplotlib.pyplot as plt  # here: the orchestrator imports this package, not plots

    lanes = lanes_of(messages)
    y = {lane: len(lanes) - 1 - i for i, lane in enumerate(lanes)}
    if ax is None:
        _fig, ax = plt.subplots(figsize=(11, 0.9 * len(lanes) + 1.5))
    end = max(float(m["time"]) for m in messages) or 1.0
    for agent, start, stop, tokens in work_spans(messages):
        ax.barh(y[agent], max(stop - start, end / 400), left=start, height=0.35,
                color="lightgrey", edgecolor="grey")
        ax.text((start + stop) / 2, y[agent] + 0.22, f"{tokens} tok", ha="center", fontsize=7)
    drawn = set()
    for m in messages:
        t, colour = float(m["time"]), COLOURS.get(m["type"], "black")
        ax.annotate("", xy=(t, y[m["to"]]), xytext=(t, y[m["from"]]),
                    arrowprops={"arrowstyle": "->", "color": colour, "lw": 1.4})
        label = m["type"] if m["type"] not in drawn else None
        marker = "x" if m.get("decision") == "reject" else "o"
        ax.scatter([t], [y[m["from"]]], color=colour, marker=marker, s=30, zorder=3, label=label)
        drawn.add(m["type"])
    ax.set_yticks(list(y.values()), list(y))
    ax.set_xlabel("seconds since the start")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="x", alpha=0.3)
    return ax.figure


def timeline_text(messages: list[dict[str, Any]], width: int = 90) -> str:
    """The log as one line per message."""
    return "\n".join(describe_message(m, width) for m in messages)
