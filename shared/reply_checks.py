"""Output validation: every model reply the project consumes gets a clear outcome.

    check = check_code(reply.content, extract_code(reply.content), truncated=reply.truncated)
    check.valid, check.problem          # False, "the code does not parse (line 3: invalid syntax)"
    log.log("code", code=code, **check.fields())   # valid / problem land in the trajectory

A small model's reply is never trusted as it is: the action parser, the plan reader and the code
extractor each turn it into something usable or say, in one sentence, why they could not. The
checks here put that outcome into the same words for every consumer, so a trajectory says for
each reply whether it was used, and the reliability report (shared.bench.reliability) can count
why not:

    consumer                                  check            what "malformed" means
    the agent's action (shared.agent.loop)    check_action     no readable call, an unknown tool,
                                                               arguments the tool does not take
    the plan (shared.planning)                check_plan       fewer than 3 steps could be read
    a replan                                  check_plan       fewer than 2 steps could be read
    code (phase 2, plain, best-of-n)          check_code       no Python code, or code that does
                                                               not parse
    a context summary (shared.context)        check_summary    empty, or a tool call instead

Each check is pure (no model, no files) and never raises.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

SUMMARY_HEADINGS = ("Task:", "Done:", "Plan:", "Facts:")
TOOL_CALL_SHAPE = re.compile(r'^\s*(?:```(?:json)?\s*)?(?:<tool_call>\s*)?\{\s*"(?:think|name|tool)"')


@dataclass(frozen=True)
class ReplyCheck:
    """The outcome of one reply: valid, or not with a one-sentence problem. A valid reply may
    still carry a note (what was repaired to make it usable)."""

    valid: bool
    problem: str = ""
    note: str = ""

    @property
    def outcome(self) -> str:
        return "valid" if self.valid else "malformed"

    def fields(self) -> dict[str, Any]:
        """What a trajectory event records of the check."""
        out: dict[str, Any] = {"valid": self.valid}
        if self.problem:
            out["problem"] = self.problem
        if self.note:
            out["check_note"] = self.note
        return out


VALID = ReplyCheck(True)


def first_sentence(text: str, limit: int = 200) -> str:
    """The first line of `text`, cut to `limit` characters: a problem is one sentence."""
    line = (text or "").strip().split("\n")[0]
    return line if len(line) <= limit else line[: limit - 3] + "..."


def check_action(parsed: Any, registry: Any = None) -> ReplyCheck:
    """An agent's reply as parsed by its ActionFormat (an Action or a ParseError), and whether
    the call is one the registry accepts (unknown tool, bad arguments)."""
    from shared.agent.actions import Action, ParseError

    if isinstance(parsed, ParseError):
        if parsed.truncated:
            return ReplyCheck(False, "the reply was cut off by the token limit before the call "
                                     f"was complete ({parsed.reason})")
        return ReplyCheck(False, f"the reply could not be read as a tool call ({parsed.reason})")
    if not isinstance(parsed, Action):
        return ReplyCheck(False, f"the parser returned {type(parsed).__name__}, not an action")
    note = f"read from {parsed.source}" if "repaired" in parsed.source else ""
    if registry is not None:
        valid, problem = registry.validate(parsed.name, parsed.arguments)
        if valid is None:
            return ReplyCheck(False, first_sentence(problem), note)
    return ReplyCheck(True, note=note)


def check_plan(reply: str, steps_read: list[str], minimum: int = 3, maximum: int = 5) -> ReplyCheck:
    """A planner's reply and the steps parse_plan_lines read from it: fewer than `minimum` is
    not a plan (the caller falls back to its default); more than `maximum` is cut (a note)."""
    if not (reply or "").strip():
        return ReplyCheck(False, "the planner's reply was empty")
    unique = list(dict.fromkeys(s for s in steps_read if s))
    if len(unique) < minimum:
        return ReplyCheck(False, f"only {len(unique)} step{'s' * (len(unique) != 1)} could be read "
                                 f"from the plan ({minimum} to {maximum} wanted)")
    if len(unique) > maximum:
        return ReplyCheck(True, note=f"{len(unique)} steps read, more than {maximum}")
    return VALID


def check_code(reply: str, code: str | None, truncated: bool = False) -> ReplyCheck:
    """A reply that should hold a Python program, and what extract_code found in it."""
    if not (reply or "").strip():
        return ReplyCheck(False, "the reply was empty")
    if code is None or not code.strip():
        return ReplyCheck(False, "the reply holds no Python code"
                          + (" (it was cut off by the token limit)" if truncated else ""))
    try:
        ast.parse(code)
    except SyntaxError as err:
        cut = " (the reply was cut off by the token limit)" if truncated else ""
        return ReplyCheck(False, f"the code does not parse (line {err.lineno}: {err.msg}){cut}")
    except (ValueError, MemoryError, RecursionError) as err:
        return ReplyCheck(False, f"the code does not parse ({type(err).__name__})")
    return ReplyCheck(True, note="the reply was cut off by the token limit" if truncated else "")


def check_summary(reply: str) -> ReplyCheck:
    """A context summary: plain text under the four headings. A tool call is not a summary
    (a small model asked to stop and summarise may go on acting instead)."""
    text = (reply or "").strip()
    if not text:
        return ReplyCheck(False, "the summary came back empty")
    if TOOL_CALL_SHAPE.match(text):
        return ReplyCheck(False, "the model wrote a tool call instead of a summary")
    missing = [h for h in SUMMARY_HEADINGS if h.lower() not in text.lower()]
    if len(missing) == len(SUMMARY_HEADINGS):
        return ReplyCheck(True, note="none of the headings Task/Done/Plan/Facts")
    return VALID
