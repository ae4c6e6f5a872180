"""The reviewer's verdict: approve or reject, with feedback for the coder, read from its reply.

    verdict = parse_verdict("REJECT: divide(1, 0) must raise ValueError")
    verdict.approved, verdict.feedback              # False, "divide(1, 0) must raise ValueError"
    parse_verdict("looks fine to me")               # raises VerdictUnreadable (one sentence)

Small models do not keep to a format, so the reader is forgiving: a first word (APPROVE,
APPROVED, LGTM, REJECT, REJECTED, "changes needed"), the same words anywhere ("I reject it:
..."), a negated approval ("I cannot approve: ...") and a JSON object ({"verdict": "reject",
"feedback": "..."}) all count. A reply with no such word, or with both and no way to tell which
is meant, is unreadable: the orchestrator then decides from the tests (see orchestrator.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

APPROVE = ("approve", "approved", "approving", "lgtm", "accept", "accepted")
REJECT = ("reject", "rejected", "rejecting", "changes needed", "needs changes", "request changes",
          "not approved", "do not approve", "don't approve", "cannot approve", "can't approve",
          "not approve")
WORD = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(APPROVE + REJECT, key=len,
                                                                     reverse=True)) + r")\b",
                  re.IGNORECASE)
LEAD = re.compile(r"^\W*(verdict|decision)?\W*", re.IGNORECASE)


class VerdictUnreadable(ValueError):
    """A reviewer reply that holds no verdict we can read."""


@dataclass
class Verdict:
    """decision: "approve" or "reject". source: "reviewer" (read from its reply), "tests" (the
    reviewer gave none: the tests decided), "overruled" (it approved, the tests fail)."""

    decision: str
    feedback: str = ""
    source: str = "reviewer"
    note: str = ""

    @property
    def approved(self) -> bool:
        return self.decision == "approve"


def from_json(text: str) -> Verdict | None:
    """{"verdict"|"decision": "approve"|"reject", "feedback"|"reason": "..."} anywhere in text."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(text[start:end + 1])
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    word = str(data.get("verdict") or data.get("decision") or "").strip().lower()
    feedback = str(data.get("feedback") or data.get("reason") or data.get("comments") or "")
    if word in APPROVE:
        return Verdict("approve", feedback.strip())
    if word in REJECT or word == "reject":
        return Verdict("reject", feedback.strip())
    return None


def decision_of(word: str) -> str:
    return "reject" if word.lower() in REJECT else "approve"


def parse_verdict(text: str) -> Verdict:
    """The verdict in a reviewer's reply; raises VerdictUnreadable, in one sentence, when there
    is none (or when it both approves and rejects in its first words)."""
    text = (text or "").strip()
    parsed = from_json(text)
    if parsed is not None:
        return parsed
    body = LEAD.sub("", text)
    first = WORD.match(body)
    if first:  # the reply starts with its verdict: the rest is the feedback
        rest = body[first.end():].lstrip(" :.-,!\n").strip()
        return Verdict(decision_of(first.group(1)), rest)
    found = {decision_of(m.group(1)) for m in WORD.finditer(text)}
    if len(found) == 1:
        return Verdict(found.pop(), text)
    shown = text.split("\n")[0][:80] or "(empty)"
    why = "both approves and rejects" if found else "holds no verdict"
    raise VerdictUnreadable(f"the reviewer's reply {why}: it should start with APPROVE or "
                            f"REJECT: <what to fix> (it began: {shown!r})")
