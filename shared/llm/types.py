"""Plain data types that every LLM backend speaks: messages in, a ChatResult out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]  # {"role": "system"|"user"|"assistant"|"tool", "content": str, ...}


@dataclass
class ToolCall:
    """One function call the model asked for. `arguments` is always a dict, whatever the wire sent."""

    name: str
    arguments: dict[str, Any]
    id: str = ""


@dataclass
class Usage:
    """Token counts of one call (or a running total)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class ChatResult:
    """What one chat call returns.

    finish_reason is "stop", "length" (hit max_tokens: the reply is truncated) or "tool_calls".
    latency_s is wall-clock seconds for the whole call, retries included.
    """

    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0
    model: str = ""
    backend: str = ""
    finish_reason: str = "stop"

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"

    def as_message(self) -> Message:
        """The assistant message to append to the conversation."""
        message: Message = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        return message


def arguments_as_dict(arguments: Any) -> dict[str, Any]:
    """Tool-call arguments as a dict, whether the wire sent an object (Ollama) or a JSON string
    (OpenAI). A string that is not a JSON object is kept, unparsed, under {"_raw": ...}."""
    if isinstance(arguments, dict):
        return dict(arguments)
    if isinstance(arguments, str):
        try:
            parsed = json.loads(arguments or "{}")
        except json.JSONDecodeError:
            return {"_raw": arguments}
        return parsed if isinstance(parsed, dict) else {"_raw": arguments}
    return dict(arguments or {})
