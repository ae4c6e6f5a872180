"""The one interface every backend implements: `chat(messages, tools, response_format, **options)`.

A backend subclass writes `_chat_once` (one request, no retries) and `_stream_once`; this base
class adds what every backend needs the same way: retries, timing and the usage totals.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from shared.llm.retry import with_retries
from shared.llm.types import ChatResult, Message, Usage
from shared.llm.usage import UsageTracker

T = TypeVar("T")


class ChatBackend:
    """Base class for LLM backends.

    tools: OpenAI-style tool schemas ({"type": "function", "function": {...}}).
    response_format: {"type": "json_object"} or {"type": "json_object", "schema": {...}}
        for schema-constrained output where the backend supports it.
    options: temperature, max_tokens, seed, stop, timeout (seconds: the most one attempt may take
        in all, a streamed reply included; each retry gets its own).
    """

    name = "base"

    def __init__(self, model: str, timeout_s: float = 120.0, max_retries: int = 3) -> None:
        self.model = model
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.retry_base_s = 0.5  # first backoff delay in seconds; doubles on each retry
        self.sleep: Callable[[float], None] = time.sleep  # tests and notebooks swap in a fake
        self.usage = UsageTracker()

    def chat(
        self,
        messages: list[Message],
        tools: list[dict[str, Any]] | None = None,
        response_format: dict[str, Any] | None = None,
        **options: Any,
    ) -> ChatResult:
        """Send the conversation, return the reply; transient failures are retried with backoff."""
        start = time.perf_counter()
        result = self._retrying(lambda: self._chat_once(messages, tools, response_format, options))
        result.latency_s = time.perf_counter() - start
        result.backend = result.backend or self.name
        result.model = result.model or self.model
        self.usage.record(result)
        return result

    def stream(self, messages: list[Message], **options: Any) -> Iterator[str]:
        """Yield the reply's text piece by piece as the model produces it.

        A transient failure before the first piece is retried as in chat(); after it, the error
        is raised (the caller already holds part of the reply). When the stream ends, the call
        goes into the usage totals, with the token counts the backend reported.
        """
        start = time.perf_counter()
        usage = Usage()

        def open_stream() -> tuple[str | None, Iterator[str]]:
            pieces = self._stream_once(messages, options, usage)
            return next(pieces, None), pieces  # None: the reply was empty

        first, rest = self._retrying(open_stream)
        text: list[str] = []
        for piece in itertools.chain([] if first is None else [first], rest):
            text.append(piece)
            yield piece
        self.usage.record(ChatResult(content="".join(text), usage=usage, model=self.model,
                                     backend=self.name, latency_s=time.perf_counter() - start))

    def _retrying(self, call: Callable[[], T]) -> T:
        """`call()`, retried with backoff on transient errors; each retry is counted in usage."""

        def count_retry(*_: Any) -> None:
            self.usage.retries += 1

        return with_retries(call, max_retries=self.max_retries, base_s=self.retry_base_s,
                            sleep=self.sleep, on_retry=count_retry)

    def describe(self) -> str:
        return f"{self.name} ({self.model})"

    # What each backend writes ------------------------------------------------------------
    def _chat_once(
        self,
        messages: list[Message],
        tools: list[dict[str, Any]] | None,
        response_format: dict[str, Any] | None,
        options: dict[str, Any],
    ) -> ChatResult:
        raise NotImplementedError

    def _stream_once(self, messages: list[Message], options: dict[str, Any],
                     usage: Usage) -> Iterator[str]:
        """Yield the pieces of one streamed reply; fill in `usage` when the counts are known.
        A backend without native streaming still streams: the whole reply as one piece."""
        result = self._chat_once(messages, None, None, options)
        usage.prompt_tokens, usage.completion_tokens = (result.usage.prompt_tokens,
                                                        result.usage.completion_tokens)
        yield result.content
