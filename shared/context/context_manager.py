"""Keeping every request under the budget: the strategies, each switchable, and when they act.

    budget = ContextBudget(window=4096, reserve=700)       # limit: 3,396 tokens per request
    manager = ContextManager(budget, STRATEGIES["combined"], counter_for(llm))

The conversation is [pinned] + [summary?] + turns. The pinned part is the system prompt, the
worked examples and the task: it never changes, so the model's prefix cache always covers it.
A turn is one reply of the model and what answered it (the observation, or a correction): a
tool result never leaves without its call, because whole turns are the unit that is dropped.

The strategies (ContextPolicy):
- truncation     cut each long tool output to `truncate_tokens` (head and tail, with a marker
                 saying which lines were cut and how to read them) as it enters the history;
- summarisation  after every `summarise_every` tool calls, the model writes a summary (task,
                 what is done, the plan, the facts it needs) that replaces the older turns;
- selective      keep only the last `keep_turns` turns, every turn (a sliding window);
- combined       truncation, and compaction only when a request passes `compact_at` of the
                 budget: summarise, then drop the oldest turns if it still does not fit.

Why "only when needed" matters on a local model: llama.cpp re-uses the computation of the
longest prefix shared with the previous request. An append-only history re-uses everything but
the newest turn; a history rewritten every turn (the sliding window) re-computes all of it,
every turn. Compacting rarely pays the re-computation rarely.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from shared.context.token_count import TokenCounter
from shared.context.truncation import cut_middle
from shared.llm import Message

SUMMARY_REQUEST = """Stop here for a moment: the steps above will be removed from the conversation \
to save space, and only your summary will stay. Write the summary now, in plain text (no tool \
call, no JSON), under these four headings:
Task: the task, in one line.
Done: what you did and found so far, with file names, function names and line numbers.
Plan: the steps still to do, in order.
Facts: exact details you will need (lines to change, error messages, names)."""

SUMMARY_HEADER = "Summary of your earlier steps (they were removed to save space; you wrote this):"
READ_HEADER = re.compile(r"^(?P<path>.+), lines (?P<start>\d+)-(?P<end>\d+) of (?P<total>\d+):$")
OUTPUTS_DIR = ".agent/outputs"  # where a cut tool output is kept whole, inside the workspace
MIN_SUMMARISED = 2  # compaction at the high-water mark summarises at least this many turns


@dataclass(frozen=True)
class ContextBudget:
    """window: the model's context in tokens; reserve: room kept for the reply (its max_tokens)."""

    window: int = 4096
    reserve: int = 700

    @property
    def limit(self) -> int:
        """The most tokens a request may have."""
        return self.window - self.reserve


@dataclass(frozen=True)
class ContextPolicy:
    """Which strategies are on (0 turns a strategy off)."""

    name: str = "none"
    truncate_tokens: int = 0    # cut each tool output to this many tokens
    keep_turns: int = 0         # selective history: only the last N turns, every turn
    summarise_every: int = 0    # summarise after this many tool calls
    compact_at: float = 0.0     # compact when a request passes this share of the budget
    keep_recent: int = 2        # turns kept word for word when the rest is summarised
    summary_tokens: int = 300   # the longest summary the model may write


STRATEGIES: dict[str, ContextPolicy] = {
    "none": ContextPolicy("none"),
    "truncation": ContextPolicy("truncation", truncate_tokens=350),
    "summarisation": ContextPolicy("summarisation", summarise_every=6),
    "selective": ContextPolicy("selective", keep_turns=4),
    "combined": ContextPolicy("combined", truncate_tokens=350, compact_at=0.85),
}


def get_policy(name: str, **changes: Any) -> ContextPolicy:
    """A strategy by name, with some of its numbers changed (e.g. keep_turns=6)."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown context strategy {name!r}; choose one of {', '.join(STRATEGIES)}")
    return replace(STRATEGIES[name], **changes)


def turn_starts(messages: list[Message], head: int) -> list[int]:
    """Where each turn begins: every assistant message at or after `head`."""
    return [i for i in range(head, len(messages)) if messages[i].get("role") == "assistant"]


# Writes the summary from a request (the conversation plus SUMMARY_REQUEST), or without the
# model when the request is None (it could not be made to fit the budget).
Summariser = Callable[[list[Message] | None], str]


class ContextManager:
    """Applies one ContextPolicy to an agent's conversation, in place, before each request."""

    def __init__(self, budget: ContextBudget, policy: ContextPolicy, counter: TokenCounter) -> None:
        self.budget, self.policy, self.counter = budget, policy, counter
        self.start(0)

    def start(self, pinned: int) -> None:
        """A new run whose first `pinned` messages (system, examples, task) are never touched."""
        self.pinned = pinned
        self.head = pinned          # pinned + the summary message, once there is one
        self.calls_since_summary = 0
        self.summaries = 0

    def count(self, messages: list[Message], tools: list[dict[str, Any]] | None = None) -> int:
        return self.counter.count(messages, tools)

    # -- as an observation enters the history ---------------------------------------------------
    def shrink_observation(self, text: str, tool: str, step: int, workspace: Path | None) -> str:
        """Truncation: a tool output over `truncate_tokens` keeps its head and tail."""
        self.calls_since_summary += 1
        limit = self.policy.truncate_tokens
        if not limit or self.counter.count_text(text) <= limit:
            return text
        return cut_middle(text, limit, self.counter.count_text,
                          see_rest_hint(text, tool, step, workspace))

    # -- before each request ---------------------------------------------------------------------
    def fit(self, messages: list[Message], tools: list[dict[str, Any]] | None,
            summarise: Summariser) -> list[dict[str, Any]]:
        """Apply the policy to `messages` (in place). Returns what was done, for the trajectory."""
        events: list[dict[str, Any]] = []
        policy = self.policy
        if policy.keep_turns:
            dropped = self.drop_oldest(messages, keep=policy.keep_turns)
            if dropped:
                events.append({"how": "selective", "dropped_turns": dropped})
        if policy.summarise_every and self.calls_since_summary >= policy.summarise_every:
            events += self.compact(messages, tools, summarise)
        if policy.compact_at and self.count(messages, tools) > policy.compact_at * self.budget.limit:
            # A summary of a single turn saves little and would come again next turn: below two
            # turns to summarise, the oldest turns are dropped instead (the loop below).
            if len(turn_starts(messages, self.head)) - policy.keep_recent >= MIN_SUMMARISED:
                events += self.compact(messages, tools, summarise)
            while self.count(messages, tools) > self.budget.limit and self.drop_one(messages):
                events.append({"how": "drop", "dropped_turns": 1})
        return events

    def drop_one(self, messages: list[Message]) -> bool:
        """Drop the oldest turn, unless only the newest is left. True when one was dropped."""
        turns = len(turn_starts(messages, self.head))
        return turns > 1 and self.drop_oldest(messages, keep=turns - 1) > 0

    def drop_oldest(self, messages: list[Message], keep: int) -> int:
        """Selective history: remove whole turns from the oldest until `keep` remain."""
        starts = turn_starts(messages, self.head)
        if keep < 0 or len(starts) <= keep:
            return 0
        first_kept = starts[len(starts) - keep] if keep else len(messages)
        del messages[self.head:first_kept]
        return len(starts) - keep

    def compact(self, messages: list[Message], tools: list[dict[str, Any]] | None,
                summarise: Summariser) -> list[dict[str, Any]]:
        """Summarisation: the model summarises the conversation; the summary replaces every turn
        but the last `keep_recent`. The pinned part (and so the task) stays as it was."""
        starts = turn_starts(messages, self.head)
        keep = min(self.policy.keep_recent, max(0, len(starts) - 1))
        if len(starts) - keep <= 0:
            return []
        before = self.count(messages, tools)
        # Asked at the end of the conversation as it is, the summary re-uses the cached prefix.
        request = messages + [{"role": "user", "content": SUMMARY_REQUEST}]
        lost = 0
        while self.count(request) > self.budget.limit and self.drop_one(request):
            lost += 1  # even the request for a summary must fit the budget
        summary = summarise(request if self.count(request) <= self.budget.limit else None)
        recent = messages[starts[len(starts) - keep]:] if keep else []
        messages[:] = (messages[:self.pinned]
                       + [{"role": "user", "content": f"{SUMMARY_HEADER}\n{summary}"}] + recent)
        self.head = self.pinned + 1
        self.calls_since_summary = 0
        self.summaries += 1
        return [{"how": "summary", "summarised_turns": len(starts) - keep, "kept_turns": keep,
                 "turns_lost_before_summary": lost, "tokens_before": before,
                 "tokens_after": self.count(messages, tools), "summary": summary}]


def see_rest_hint(text: str, tool: str, step: int,
                  workspace: Path | None) -> Callable[[int, int], str] | None:
    """How the model can see cut lines: read_file's own lines again, or the whole output,
    saved into the workspace, read with read_file."""
    lines = text.split("\n")
    header = READ_HEADER.match(lines[0]) if tool == "read_file" else None
    if header:
        path, first_line = header["path"], int(header["start"])

        def reread(first: int, last: int) -> str:
            a, b = first_line + first - 2, first_line + last - 2  # text line 2 is file line start
            return (f"they are lines {a}-{b} of {path}: "
                    f"read_file(path={path!r}, start={a}, end={b}) shows them")

        return reread
    if workspace is None:
        return None
    saved = Path(OUTPUTS_DIR) / f"step-{step}-{tool}.txt"
    target = Path(workspace) / saved
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")

    def read_saved(first: int, last: int) -> str:
        return (f"the whole output is saved in {saved.as_posix()}, where they are lines {first}-"
                f"{last}: read_file(path='{saved.as_posix()}', start={first}, end={last}) shows them")

    return read_saved
