"""Guardrails: what the agent may do without asking, what it may never do, and when to stop.

- ShellPolicy: a deny list (never run, whatever anyone says) and an allow list of programs
  (run without asking). A command on neither list is "risky": an approver decides.
- Approvers decide risky actions: `ask_in_terminal` (human in the loop, input()), and the
  non-interactive `approve_all` and `deny_risky` for scripts, benchmarks and tests.
- RepeatDetector: the same call with the same arguments again means the agent is stuck.
The step limit lives in the loop (agent.py, max_steps).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Patterns that are refused outright: destroying files, privileges, the network, the machine.
DENY_PATTERNS = [
    r"\brm\s+(-\w*[rf]\w*\s+)+",  # rm -r / rm -rf / rm -f ...
    r"\bsudo\b", r"\bsu\s", r"\bchmod\s+(-R\s+)?[0-7]*7[0-7]*\b", r"\bchown\b",
    r"\bcurl\b", r"\bwget\b", r"\bssh\b", r"\bscp\b", r"\bnc\b", r"\bgit\s+push\b",
    r"\bpip3?\s+install\b", r"\bapt(-get)?\b", r"\bdd\b", r"\bmkfs", r"\bshutdown\b",
    r"\breboot\b", r"\bkill(all)?\b", r">\s*/dev/(?!null)", r":\(\)\s*\{",  # fork bomb
    r"(^|\s)/etc/", r"~/", r"\$HOME",
]
# Programs that only read, or run the learner's own code inside the sandbox.
ALLOW_PROGRAMS = {
    "python", "python3", "pytest", "ls", "cat", "head", "tail", "wc", "grep", "echo", "find",
    "sort", "uniq", "diff", "pwd", "mkdir", "touch", "true", "test", "printf", "cut", "tr",
}
SEPARATORS = re.compile(r"&&|\|\||;|\||\n")


@dataclass
class Verdict:
    """decision: "allow" (run), "deny" (never run) or "ask" (risky: an approver decides)."""

    decision: str
    reason: str


@dataclass
class ShellPolicy:
    deny_patterns: list[str] = field(default_factory=lambda: list(DENY_PATTERNS))
    allow_programs: set[str] = field(default_factory=lambda: set(ALLOW_PROGRAMS))

    def check(self, command: str) -> Verdict:
        """Deny list first, then every program of a pipeline or chain must be on the allow list."""
        for pattern in self.deny_patterns:
            if re.search(pattern, command):
                return Verdict("deny", f"the command matches the deny list ({pattern})")
        for part in SEPARATORS.split(command):
            part = part.strip()
            if not part:
                continue
            try:
                words = shlex.split(part)
            except ValueError:
                return Verdict("ask", "the command could not be split into words (unbalanced quotes)")
            words = [w for w in words if not re.match(r"^\w+=", w)]  # FOO=1 cmd
            if words and words[0].split("/")[-1] not in self.allow_programs:
                return Verdict("ask", f"{words[0]!r} is not on the allow list")
        return Verdict("allow", "every program is on the allow list")


# Approvers: (tool name, arguments, reason it is risky) -> approved? ------------------------
Approver = Callable[[str, dict[str, Any], str], bool]


def approve_all(tool: str, arguments: dict[str, Any], reason: str) -> bool:
    """Non-interactive: every risky action goes ahead (deny-listed ones are still refused)."""
    return True


def deny_risky(tool: str, arguments: dict[str, Any], reason: str) -> bool:
    """Non-interactive: every risky action is refused; only allow-listed actions run."""
    return False


def ask_in_terminal(tool: str, arguments: dict[str, Any], reason: str,
                    ask: Callable[[str], str] = input) -> bool:
    """Human in the loop: show the action and ask y/N in the terminal."""
    shown = json.dumps(arguments)[:300]
    try:
        answer = ask(f"\nThe agent wants to run {tool} {shown}\n({reason}). Allow? [y/N] ")
    except EOFError:  # no terminal (a pipe, CI): the safe answer is no
        return False
    return answer.strip().lower() in {"y", "yes"}


APPROVERS: dict[str, Approver] = {
    "ask": ask_in_terminal, "approve-all": approve_all, "deny-risky": deny_risky,
}


class RepeatDetector:
    """Counts identical calls (same tool, same arguments). `seen(name, args)` returns how many
    times this exact call was made before, then records it."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def forget(self) -> None:
        """Start counting afresh (after the workspace changed, the same call may give news)."""
        self.counts.clear()

    def seen(self, name: str, arguments: dict[str, Any]) -> int:
        key = name + json.dumps(arguments, sort_keys=True, default=str)
        before = self.counts.get(key, 0)
        self.counts[key] = before + 1
        return before
