"""Reading an action out of whatever the model wrote.

An Action is one tool call with a short "think" before it: {"think": ..., "name": ..., "arguments":
{...}}. The final answer is the call `final_answer(answer=...)`. A small model writes that object
in many ways: bare, in a ```json fence, after a sentence of prose, with a trailing comma, with
Python's True/None or 'single quotes', with keys of its own choosing ("tool", "args",
"action_input"), or inside Qwen's `<tool_call>` tags. The parsers here try, in order:

    1. the whole reply as JSON                  (source "plain")
    2. each ```json fenced block                (source "fenced")
    3. each <tool_call>...</tool_call> block    (source "tag")
    4. each balanced {...} object in the text   (source "balanced")
  and for each candidate, the repairs: trailing commas, Python literals, single quotes
  (source gets "+repaired"); last, what the reply left open is closed ("closed+repaired"): a
  quote forgotten before the final braces first, then open strings, objects and lists.

Every parser takes any string and returns an Action or a ParseError: it never raises.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

FINAL = "final_answer"
NAME_KEYS = ("name", "tool", "tool_name", "action", "function", "command")
ARGUMENT_KEYS = ("arguments", "args", "parameters", "params", "input", "action_input",
                 "tool_input", "kwargs")
THINK_KEYS = ("think", "thought", "thinking", "reasoning", "thoughts", "plan")
FINAL_NAMES = {FINAL, "finish", "final", "answer", "done", "final-answer", "finalanswer"}
MAX_CANDIDATES = 20  # balanced objects tried per reply (a reply full of braces stays cheap)

# Both patterns are linear in the reply's length. (?>...) is an atomic group: once the fence's
# opening is read it is never read again in another way, so a reply whose fence never closes
# costs one pass (it cost one pass per space before it: seconds for a few thousand spaces).
# The blocks they find are stripped by their users, so no \s* is needed around them.
FENCE = re.compile(r"```(?>[ \t]*(?:json|JSON|python|tool_call)?[ \t]*\n?)(.*?)```", re.DOTALL)
TAG = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.DOTALL)


@dataclass
class Action:
    """One step the model chose. name "final_answer" ends the run with arguments["answer"]."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    think: str = ""
    source: str = ""  # which parsing path found it (for the benchmark)

    @property
    def is_final(self) -> bool:
        return self.name == FINAL

    @property
    def answer(self) -> str:
        return str(self.arguments.get("answer", ""))


@dataclass
class ParseError:
    """The reply held no readable action. reason: one sentence for the corrective message."""

    reason: str
    truncated: bool = False  # the reply hit its token limit (finish_reason == "length")


# Finding candidate objects -------------------------------------------------------------------
def balanced_objects(text: str, limit: int = MAX_CANDIDATES) -> list[str]:
    """The balanced {...} spans of `text`, outermost first, skipping braces inside "strings"."""
    found: list[str] = []
    start, depth, in_string, escaped = -1, 0, False, False
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"' and depth > 0:
            in_string = True
        elif char == "{":
            if depth == 0:
                start = i
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                found.append(text[start: i + 1])
                if len(found) >= limit:
                    break
    return found


JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _outside_strings(text: str, fix) -> str:
    """Apply `fix` to the parts of `text` that are not inside "double-quoted strings", in one
    pass: each string is matched from its opening quote only. A string left open ends the
    search (searching on from each quote inside it read it again and again: quadratic)."""
    pieces, last = [], 0
    start = text.find('"')
    while start != -1:
        match = JSON_STRING.match(text, start)
        if not match:
            break
        pieces += [fix(text[last:start]), match.group(0)]
        last = match.end()
        start = text.find('"', last)
    return "".join(pieces + [fix(text[last:])])


def _pythonic(part: str) -> str:
    part = re.sub(r"\bTrue\b", "true", part)
    part = re.sub(r"\bFalse\b", "false", part)
    return re.sub(r"\bNone\b", "null", part)


def _left_open(text: str) -> tuple[list[str], bool, bool]:
    """(closers still owed, in order of opening; ended inside a string?; any bracket seen?)."""
    stack: list[str] = []
    in_string = escaped = False
    started = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"' and stack:
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
            started = True
        elif char in "}]" and stack and stack[-1] == char:
            stack.pop()
    return stack, in_string, started


def close_open_brackets(text: str) -> str:
    """`text` with the strings, objects and lists it left open closed again, in order; '' when
    nothing was left open. (A small model sometimes forgets the last '}'.)"""
    stack, in_string, started = _left_open(text)
    if not started or not stack:
        return ""
    return text + ('"' if in_string else "") + "".join(reversed(stack))


def quote_before_closers(text: str) -> str:
    """`text` with the missing '"' put back before its final braces, when the reply ended inside
    a string whose last characters are '}' or ']'; '' otherwise. The model forgot the quote,
    not the braces (measured: Qwen2.5-Coder-1.5B wrote `"new": "len(scores)}}` and stopped)."""
    stripped = text.rstrip()
    closers = len(stripped) - len(stripped.rstrip("}]"))
    if not closers or not _left_open(stripped)[1]:
        return ""
    return stripped[:-closers] + '"' + stripped[-closers:]


def _repairs(candidate: str) -> list[str]:
    """Common fixes, cheapest first, never touching the inside of a string: trailing commas,
    then Python literals (True, False, None)."""
    no_trailing = _outside_strings(candidate, lambda part: re.sub(r",\s*([}\]])", r"\1", part))
    pythonic = _outside_strings(no_trailing, _pythonic)
    return [c for c in (no_trailing, pythonic) if c != candidate]


def load_object(candidate: str) -> tuple[Any, bool]:
    """(the parsed value, repaired?) or (None, False). Never raises."""
    try:
        return json.loads(candidate, strict=False), False  # strict=False: raw newlines in strings
    except (ValueError, RecursionError):
        pass
    for repaired in _repairs(candidate):
        try:
            return json.loads(repaired, strict=False), True
        except (ValueError, RecursionError):
            pass
    if len(candidate) < 20_000:
        # A Python dict literal: single quotes, True/False/None, even triple-quoted strings.
        try:
            value = ast.literal_eval(candidate.strip())
        except Exception:  # noqa: BLE001 - literal_eval raises many kinds; any means "not this"
            return None, False
        return value, True
    return None, False


# Turning a dict into an Action -------------------------------------------------------------
def _first(data: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in data:
            return data[key]
    return None


def _as_arguments(value: Any) -> dict[str, Any] | None:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        parsed, _ = load_object(value)
        if isinstance(parsed, dict):
            return parsed
    return None


def action_from_object(data: Any, source: str = "") -> Action | ParseError:
    """A parsed JSON value -> Action, accepting the usual synonyms for the keys."""
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]  # a list of calls: take the first, one action per step
    if not isinstance(data, dict):
        return ParseError(f"expected a JSON object, got {type(data).__name__}")
    if isinstance(data.get("tool_calls"), list) and data["tool_calls"]:
        return action_from_object(data["tool_calls"][0], source)
    think = _first(data, THINK_KEYS)
    think = think if isinstance(think, str) else ("" if think is None else json.dumps(think))
    if isinstance(data.get("function"), dict):  # OpenAI's {"function": {"name", "arguments"}}
        data = {**data, **data["function"]}
    if "final_answer" in data and not isinstance(data.get("name"), str):
        return Action(FINAL, {"answer": _text(data["final_answer"])}, think, source)
    name = _first(data, NAME_KEYS)
    if not isinstance(name, str) or not name.strip():
        if "answer" in data:
            return Action(FINAL, {"answer": _text(data["answer"])}, think, source)
        return ParseError('the object has no "name" naming the tool to call')
    name = name.strip()
    arguments = _as_arguments(_first(data, ARGUMENT_KEYS))
    if arguments is None:
        return ParseError(f'the "arguments" of {name} must be a JSON object')
    if name.lower() in FINAL_NAMES:
        answer = _first(arguments, ("answer", "text", "result", "final_answer", "content"))
        if answer is None and arguments:
            answer = next(iter(arguments.values()))
        return Action(FINAL, {"answer": _text(answer if answer is not None else "")}, think, source)
    return Action(name, arguments, think, source)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


# The parsers ------------------------------------------------------------------------------------
def _candidates(text: str, tags_first: bool) -> list[tuple[str, str]]:
    fenced = [("fenced", m.group(1).strip()) for m in FENCE.finditer(text)]
    tagged = [("tag", m.group(1).strip()) for m in TAG.finditer(text)]
    ordered = (tagged + [("plain", text.strip())] + fenced) if tags_first else (
        [("plain", text.strip())] + fenced + tagged)
    for where, block in list(ordered):
        ordered += [(f"{where}/balanced" if where != "plain" else "balanced", obj)
                    for obj in balanced_objects(block)[:MAX_CANDIDATES]]
    return ordered


def parse_json_action(text: str, tags_first: bool = False,
                      close_brackets: bool = True) -> Action | ParseError:
    """The first readable action in `text` (see the module docstring for the order).

    close_brackets: as a last resort, close what the reply left open (never do this for a reply
    cut off by the token limit: it would turn half a file into a complete-looking action).
    """
    if not isinstance(text, str) or not text.strip():
        return ParseError("the reply was empty")
    first_problem = ""
    seen: set[str] = set()
    for source, candidate in _candidates(text, tags_first):
        if not candidate or candidate in seen:
            continue
        seen.add(candidate)
        data, repaired = load_object(candidate)
        if data is None:
            continue
        action = action_from_object(data, source + ("+repaired" if repaired else ""))
        if isinstance(action, Action):
            return action
        first_problem = first_problem or action.reason
    if close_brackets and "{" in text:
        start = text.find("{")
        requoted = quote_before_closers(text[start:])
        for closed in (close_open_brackets(requoted) or requoted, close_open_brackets(text[start:])):
            data, _ = load_object(closed) if closed else (None, False)
            if data is not None:
                action = action_from_object(data, "closed+repaired")
                if isinstance(action, Action):
                    return action
    if first_problem:
        return ParseError(first_problem)
    if "{" in text and not balanced_objects(text):
        return ParseError("the JSON object is not complete (a '{' is never closed)")
    return ParseError("the reply holds no JSON object")


def parse_tag_action(text: str, close_brackets: bool = True) -> Action | ParseError:
    """Qwen's native `<tool_call>{"name": ..., "arguments": ...}</tool_call>` first, then the
    same fallbacks as parse_json_action (a small model often drops the tags)."""
    return parse_json_action(text, tags_first=True, close_brackets=close_brackets)
