"""Coordination failures: what went wrong *between* the agents, read from a message log (and,
for one of them, the grade of the hidden tests).

    found = coordination_failures(read_messages(path), passed=False)
    [(f.kind, f.detail) for f in found]      # [("ping-pong", "the same rejection twice ..."), ...]

The kinds, each checked simply so that a person can verify it by reading the log:
- ping-pong:           the reviewer rejected one subtask twice in a row with (nearly) the same
                       feedback, or the coder answered a rejection by changing no file: the
                       same work went back and forth (one per subtask, naming each repeat);
- approved broken:     the team finished on an approval, but the hidden tests fail: the review
                       let broken code through (it can only check what it can see);
- overruled approval:  the reviewer approved work whose tests fail; the orchestrator caught it
                       and rejected instead (a reviewer that did not read its own test run);
- lost context:        a coder attempt changed files, but none that its subtask names, or
                       changed nothing before any rejection: the work ignored the subtask.
A run may have several; a run that passed can still have some (a ping-pong that ended well).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from shared.planning.planning import FILE_NAME

KINDS = ["ping-pong", "approved broken", "overruled approval", "lost context"]
SAME_FEEDBACK = 0.9    # difflib ratio from which two rejections count as the same


@dataclass
class CoordinationFailure:
    kind: str
    detail: str
    subtask: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def normalise(text: str) -> str:
    """Feedback compared without case, numbers or spacing ("3 failed" and "2 failed" match)."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text.lower())).strip()[:400]


def rejected_before(messages: list[dict[str, Any]], upto: int, subtask: str) -> bool:
    """Whether `subtask` was rejected before message number `upto`."""
    return any(m["type"] == "verdict" and m.get("decision") == "reject"
               and str(m.get("subtask", "")) == subtask for m in messages[:upto])


def ping_pong(messages: list[dict[str, Any]]) -> list[CoordinationFailure]:
    """Subtasks that went back and forth: rejected twice in a row with (nearly) the same
    feedback, or retried after a rejection without any file changing. One failure per subtask,
    its detail naming every repeat."""
    repeats: dict[str, list[str]] = {}
    previous: dict[str, str] = {}
    for i, m in enumerate(messages):
        subtask = str(m.get("subtask", ""))
        if m["type"] == "review_request" and not m.get("files", [1]) \
                and rejected_before(messages, i, subtask):
            repeats.setdefault(subtask, []).append(
                f"attempt {m.get('attempt', '?')} changed no file after a rejection")
        if m["type"] != "verdict":
            continue
        if m.get("decision") != "reject":
            previous.pop(subtask, None)
            continue
        text = normalise(str(m["content"]))
        before = previous.get(subtask)
        if before is not None and difflib.SequenceMatcher(None, before, text).ratio() >= SAME_FEEDBACK:
            repeats.setdefault(subtask, []).append(
                f"attempt {m.get('attempt', '?')} was rejected as the one before")
        previous[subtask] = text
    return [CoordinationFailure("ping-pong", "; ".join(found), subtask)
            for subtask, found in repeats.items()]


def approved_broken(messages: list[dict[str, Any]], passed: bool | None) -> list[CoordinationFailure]:
    """The run ended approved but the hidden tests fail (unknown without a grade)."""
    if passed is None or passed:
        return []
    results = [m for m in messages if m["type"] == "result"]
    verdicts = [m for m in messages if m["type"] == "verdict"]
    ended_approved = (results[-1].get("stop_reason") == "approved" if results
                      else bool(verdicts) and verdicts[-1].get("decision") == "approve")
    if not ended_approved:
        return []
    last = verdicts[-1] if verdicts else {}
    return [CoordinationFailure("approved broken", "the reviewer approved "
                                f"({last.get('source', '?')}), the hidden tests fail",
                                str(last.get("subtask", "")))]


def overruled(messages: list[dict[str, Any]]) -> list[CoordinationFailure]:
    return [CoordinationFailure("overruled approval", "the reviewer approved, the tests fail",
                                str(m.get("subtask", "")))
            for m in messages if m["type"] == "verdict" and m.get("source") == "overruled"]


def lost_context(messages: list[dict[str, Any]]) -> list[CoordinationFailure]:
    """Coder attempts that changed files but none their subtask names, and attempts that changed
    nothing before any rejection of their subtask (after one, it is a ping-pong)."""
    found = []
    for i, m in enumerate(messages):
        if m["type"] != "review_request" or "files" not in m:
            continue
        subtask = str(m.get("subtask", ""))
        named = {f.split("/")[-1] for f in FILE_NAME.findall(subtask)}
        changed = {f.split("/")[-1] for f in m["files"]}
        if not changed and not rejected_before(messages, i, subtask):
            detail = "the coder changed no file"
        elif changed and named and not named & changed:
            detail = (f"the subtask names {', '.join(sorted(named))}; the coder changed "
                      f"{', '.join(sorted(changed))}")
        else:
            continue
        found.append(CoordinationFailure("lost context", f"attempt {m.get('attempt', '?')}: "
                                         + detail, subtask))
    return found


def coordination_failures(messages: list[dict[str, Any]],
                          passed: bool | None = None) -> list[CoordinationFailure]:
    """Every coordination failure in a message log; `passed`: the hidden tests' grade (None:
    not graded, so "approved broken" cannot be judged)."""
    return (ping_pong(messages) + approved_broken(messages, passed) + overruled(messages)
            + lost_context(messages))


def count_kinds(failures: list[CoordinationFailure] | list[dict[str, Any]]) -> dict[str, int]:
    """How many of each kind, in the order of KINDS (empty ones left out)."""
    counts = Counter(f.kind if isinstance(f, CoordinationFailure) else f["kind"] for f in failures)
    return {kind: counts[kind] for kind in KINDS if counts[kind]}
