"""Why a run failed: one class per failed run, read from its record and its trajectory.

    failure_class(record, read_trajectory(path))   # -> "tests failing", "loop", ... or "" (passed)

The classes, checked in this order (the first that fits wins, so each run gets exactly one):
- timeout:       the harness stopped the run at the task's time limit;
- error:         the run could not happen (the backend failed, the generation crashed);
- budget:        a request no longer fit the context window (context overflow);
- loop:          the agent repeated itself: the same call again and again, or the guardrails
                 stopped it as repeating / looping;
- format error:  most replies could not be read (no code block, an action that did not parse);
- wrong tool:    the replies parsed, but many named a tool that does not exist or gave it
                 arguments it does not take;
- gave up:       nothing was delivered: the entry file is missing or as it was at the start;
- tests failing: code was delivered and the hidden tests fail on it.

A multi-agent run (phase 6) also gets its coordination failures, read from its message log:
ping-pong, approved broken, overruled approval, lost context (shared.multiagent.coordination).
They are labels beside the class, not classes: a run may have several, or some and still pass.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from shared.multiagent.coordination import KINDS as COORDINATION_KINDS  # noqa: F401 - for report.py
from shared.multiagent.coordination import coordination_failures, count_kinds
from shared.multiagent.message_log import message_log_path, read_messages

CLASSES = ["timeout", "error", "budget", "loop", "format error", "wrong tool", "gave up",
           "tests failing"]
LOOP_STOPS = {"repeating", "loop", "looping"}
BUDGET_STOPS = {"context_overflow"}
LOOP_REPEATS = 3          # the same call this many times in one run is a loop
FORMAT_SHARE = 0.5        # fewer well-formed replies than this share: a format error
WRONG_TOOL_SHARE = 1 / 3  # at least this share of the actions invalid (and 2 or more): wrong tool


def call_key(event: dict[str, Any]) -> str:
    """An action event as a comparable text: its tool and its arguments."""
    return f"{event.get('name')}:{json.dumps(event.get('arguments'), sort_keys=True, default=str)}"


def repeated_calls(events: list[dict[str, Any]]) -> int:
    """The most times one call (same tool, same arguments) appears in the trajectory."""
    counts = Counter(call_key(e) for e in events if e.get("kind") == "action")
    return max(counts.values(), default=0)


def looped(record: dict[str, Any], events: list[dict[str, Any]]) -> bool:
    """The run stopped as repeating, the guardrails said so, or one call came LOOP_REPEATS times."""
    if record.get("stop_reason") in LOOP_STOPS:
        return True
    stops = [str(e.get("reason", "")) for e in events if e.get("kind") == "stopped"]
    if any("repeat" in s or "loop" in s for s in stops):
        return True
    return repeated_calls(events) >= LOOP_REPEATS


def invalid_actions(events: list[dict[str, Any]]) -> tuple[int, int]:
    """(invalid, all) actions in the trajectory: invalid names no real tool or bad arguments."""
    actions = [e for e in events if e.get("kind") == "action"]
    return sum(not e.get("valid", True) for e in actions), len(actions)


def failure_class(record: dict[str, Any], events: list[dict[str, Any]] | None = None) -> str:
    """The failure class of one run ("" when it passed). record: the harness's result record
    (status, passed, stop_reason, well_formed, replies, delivered); events: its trajectory."""
    events = events or []
    status = record.get("status")
    if status == "timeout":
        return "timeout"
    if status == "error" or record.get("stop_reason") == "llm_error":
        return "error"
    if record.get("passed"):
        return ""
    if record.get("stop_reason") in BUDGET_STOPS or any(
            e.get("kind") == "context_overflow" for e in events):
        return "budget"
    if looped(record, events):
        return "loop"
    replies = record.get("replies", 0)
    if replies and record.get("well_formed", 0) / replies < FORMAT_SHARE:
        return "format error"
    invalid, actions = invalid_actions(events)
    if invalid >= 2 and invalid / actions >= WRONG_TOOL_SHARE:
        return "wrong tool"
    if not record.get("delivered", True):
        return "gave up"
    return "tests failing"


def count_classes(records: list[dict[str, Any]]) -> dict[str, int]:
    """How many failed runs fall in each class, in the order of CLASSES (empty ones left out)."""
    counts = Counter(r.get("failure", "") for r in records)
    return {name: counts[name] for name in CLASSES if counts[name]}


def coordination(record: dict[str, Any], trajectory: Path) -> list[dict[str, str]] | None:
    """The coordination failures of a multi-agent run, from the message log beside its
    trajectory (None when there is no log: a single agent). "approved broken" needs the grade,
    so it is judged only for runs that were graded."""
    path = message_log_path(trajectory)
    if not path.is_file():
        return None
    passed = bool(record.get("passed")) if record.get("status") == "done" else None
    return [f.as_dict() for f in coordination_failures(read_messages(path), passed)]


def count_coordination(records: list[dict[str, Any]]) -> dict[str, int]:
    """Coordination failures of each kind over the records, in the order of COORDINATION_KINDS."""
    return count_kinds([f for r in records for f in r.get("coordination") or []])
