"""A backend that replays fixed replies: deterministic tests and offline notebook demos."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from shared.llm.backend import ChatBackend
from shared.llm.types import ChatResult, Message, ToolCall, Usage

Reply = str | ChatResult | Exception
ReplyFunction = Callable[[list[Message]], Reply]


class ScriptedBackend(ChatBackend):
    """Returns the given replies in order, or whatever `replies(messages)` returns.

    A reply may be a string (the content), a ChatResult (for tool calls or truncation), or an
    exception instance, which is raised (to test error paths). Every call is recorded in
    `self.calls` as {"messages", "tools", "response_format", "options"}.
    """

    name = "scripted"

    def __init__(self, replies: Sequence[Reply] | ReplyFunction, model: str = "scripted") -> None:
        super().__init__(model=model, max_retries=0)
        self._replies = replies if callable(replies) else list(replies)
        self._next = 0
        self.calls: list[dict[str, Any]] = []

    def _chat_once(self, messages, tools, response_format, options) -> ChatResult:
        self.calls.append(
            {
                "messages": copy.deepcopy(messages),
                "tools": tools,
                "response_format": response_format,
                "options": dict(options),
            }
        )
        if callable(self._replies):
            reply = self._replies(messages)
        else:
            if self._next >= len(self._replies):
                raise IndexError(
                    f"ScriptedBackend ran out of replies after {len(self._replies)} calls"
                )
            reply = self._replies[self._next]
            self._next += 1
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, ChatResult):
            return copy.deepcopy(reply)
        prompt_words = sum(len(str(m.get("content", "")).split()) for m in messages)
        return ChatResult(
            content=reply,
            usage=Usage(prompt_tokens=prompt_words, completion_tokens=len(reply.split())),
            finish_reason="stop",
        )


def tool_call_reply(name: str, arguments: dict[str, Any], content: str = "") -> ChatResult:
    """A scripted reply that carries a native tool call."""
    return ChatResult(
        content=content,
        tool_calls=[ToolCall(name=name, arguments=arguments, id=f"call_{name}")],
        finish_reason="tool_calls",
    )
