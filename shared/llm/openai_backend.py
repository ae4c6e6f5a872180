"""The OpenAI-compatible backend: any server that speaks /v1/chat/completions.

vLLM, llama.cpp's server (`python -m llama_cpp.server`), LM Studio, OpenRouter and Ollama's own
/v1 all do. Base URL, key and model come from the settings (OPENAI_BASE_URL, OPENAI_API_KEY).

    llm = OpenAIBackend(base_url="http://localhost:8000/v1", model="local-model")

Differences from Ollama's native API that this file absorbs: tool-call arguments arrive as a JSON
*string* (we parse them; a malformed string is kept raw under {"_raw": ...}), and servers
disagree on how to ask for schema-constrained output (see `response_format_for`).

The timeout (timeout_s, or timeout=... per call) is the most one request may take in all, from
sending it to the last byte of the reply, streams included: the client's own timeout only bounds
each read, so we hand it an httpx client with our DeadlineTransport (see deadline.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai

from shared.llm.backend import ChatBackend
from shared.llm.deadline import DeadlineTransport
from shared.llm.errors import (
    BackendUnavailable,
    BadRequest,
    BadResponse,
    LLMError,
    LLMTimeout,
    ModelNotFound,
    RateLimited,
    ServerError,
)
from shared.llm.types import ChatResult, Message, ToolCall, Usage, arguments_as_dict

PASSED_OPTIONS = ("temperature", "max_tokens", "seed", "stop", "top_p")


class OpenAIBackend(ChatBackend):
    """Chat with any OpenAI-compatible server through the official `openai` client."""

    name = "openai"

    def __init__(
        self,
        base_url: str = "http://localhost:8000/v1",
        api_key: str = "not-needed",
        model: str = "local-model",
        timeout_s: float = 120.0,
        max_retries: int = 3,
    ) -> None:
        super().__init__(model=model, timeout_s=timeout_s, max_retries=max_retries)
        self.base_url = base_url.rstrip("/")
        # max_retries=0: the client must not retry on its own, our base class does (and counts).
        self._client = openai.OpenAI(
            base_url=self.base_url, api_key=api_key or "not-needed", max_retries=0, timeout=timeout_s,
            http_client=httpx.Client(transport=DeadlineTransport(), follow_redirects=True),
        )
        # "json_schema" is OpenAI's standard; llama.cpp's Python server only knows its own
        # {"type": "json_object", "schema": ...}. We start standard and switch once if refused.
        self.schema_style = "json_schema"

    def describe(self) -> str:
        return f"openai ({self.model} at {self.base_url})"

    def response_format_for(self, response_format: dict[str, Any]) -> dict[str, Any]:
        """Our {"type": "json_object", "schema": S} in the wire form this server accepts."""
        schema = response_format.get("schema")
        if schema is None:
            return {"type": "json_object"}
        if self.schema_style == "json_schema":
            return {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema}}
        return {"type": "json_object", "schema": schema}

    def request_body(self, messages, tools, response_format, options) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [to_openai_message(m) for m in messages],
        }
        body.update({k: options[k] for k in PASSED_OPTIONS if options.get(k) is not None})
        if tools:
            body["tools"] = tools
        if response_format:
            body["response_format"] = self.response_format_for(response_format)
        return body

    def _chat_once(self, messages, tools, response_format, options) -> ChatResult:
        timeout_s = float(options.get("timeout") or self.timeout_s)
        client = self._client.with_options(timeout=timeout_s)
        body = self.request_body(messages, tools, response_format, options)
        try:
            try:
                response = client.chat.completions.create(**body)
            except openai.APIStatusError as err:
                if not self._should_switch_schema_style(err, response_format):
                    raise
                self.schema_style = "llama_cpp"
                body["response_format"] = self.response_format_for(response_format or {})
                response = client.chat.completions.create(**body)
        except (openai.OpenAIError, json.JSONDecodeError) as err:
            raise self._translate(err, timeout_s) from err
        return self._to_result(response)

    def _should_switch_schema_style(self, err: openai.APIStatusError, response_format) -> bool:
        # llama.cpp's Python server answers OpenAI's form with a 500 that names response_format.
        refused = err.status_code in (400, 422) or (
            err.status_code == 500 and "response_format" in str(err.message)
        )
        return (
            refused
            and self.schema_style == "json_schema"
            and bool(response_format and response_format.get("schema"))
        )

    def _stream_once(self, messages: list[Message], options: dict[str, Any],
                     usage: Usage) -> Iterator[str]:
        timeout_s = float(options.get("timeout") or self.timeout_s)
        body = self.request_body(messages, None, None, options)
        try:
            stream = self._client.with_options(timeout=timeout_s).chat.completions.create(
                **body, stream=True
            )
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
                if getattr(chunk, "usage", None):  # servers that report it send it last
                    usage.prompt_tokens = chunk.usage.prompt_tokens or 0
                    usage.completion_tokens = chunk.usage.completion_tokens or 0
        # Reading a stream goes past the client's own error handling: httpx's errors come raw.
        except (openai.OpenAIError, json.JSONDecodeError, httpx.TransportError) as err:
            raise self._translate(err, timeout_s) from err

    def _to_result(self, response: Any) -> ChatResult:
        if not getattr(response, "choices", None):
            raise BadResponse(
                f"the server at {self.base_url} sent a reply with no choices",
                "check that OPENAI_BASE_URL points at an OpenAI-compatible /v1 endpoint",
            )
        choice = response.choices[0]
        calls = [
            ToolCall(name=c.function.name, arguments=arguments_as_dict(c.function.arguments),
                     id=c.id or f"call_{i}")
            for i, c in enumerate(choice.message.tool_calls or [])
        ]
        usage = response.usage
        return ChatResult(
            content=choice.message.content or "",
            tool_calls=calls,
            usage=Usage(usage.prompt_tokens or 0, usage.completion_tokens or 0) if usage else Usage(),
            model=response.model or self.model,
            backend=self.name,
            finish_reason="tool_calls" if calls else (choice.finish_reason or "stop"),
        )

    def _translate(self, err: Exception, timeout_s: float) -> LLMError:
        """openai's exceptions (and httpx's, from a stream) -> ours, each with what to do next."""
        where = f"the server at {self.base_url}"
        if isinstance(err, openai.APITimeoutError | httpx.TimeoutException):
            return LLMTimeout(
                f"{where} did not finish its reply within {timeout_s:g} s",
                "raise the timeout (AGENTLAB_TIMEOUT or timeout=...), or ask for fewer tokens",
            )
        if isinstance(err, json.JSONDecodeError):
            return BadResponse(
                f"{where} sent a reply that is not JSON ({err.msg} at character {err.pos})",
                "check that OPENAI_BASE_URL points at an OpenAI-compatible /v1 endpoint",
            )
        if isinstance(err, httpx.TransportError):  # reset or cut off in the middle of a stream
            return BackendUnavailable(
                f"the connection to {where} broke off mid-reply ({err.__class__.__name__})",
                "check that the server is still running (its log says why it stopped)",
            )
        if isinstance(err, openai.APIConnectionError):
            return BackendUnavailable(
                f"nothing answers at {self.base_url}",
                "start the server (for example `python -m llama_cpp.server --model FILE.gguf`), "
                "fix OPENAI_BASE_URL, or choose the embedded backend (AGENTLAB_BACKEND=embedded)",
            )
        if isinstance(err, openai.RateLimitError):
            return RateLimited(
                f"{where} is rate-limiting us (429)",
                "wait and retry, or lower the request rate",
                retry_after=_retry_after(err),
            )
        if isinstance(err, openai.NotFoundError):
            return ModelNotFound(
                f"{where} has no model {self.model!r} (404)",
                "set AGENTLAB_MODEL to a model that the server's /v1/models lists",
            )
        if isinstance(err, openai.AuthenticationError | openai.PermissionDeniedError):
            return BadRequest(f"{where} refused our API key ({err.status_code})",
                              "set OPENAI_API_KEY to a valid key for this server")
        if isinstance(err, openai.APIStatusError):
            if err.status_code >= 500:
                return ServerError(f"{where} failed ({err.status_code}: {_short(err.message)})",
                                   "retry; if it keeps failing, read the server's log")
            return BadRequest(f"{where} refused the request ({err.status_code}: {_short(err.message)})",
                              "check the messages, tools and options; retrying will not help")
        return BadResponse(f"{where} sent a reply we cannot read ({err})",
                           "check that OPENAI_BASE_URL points at an OpenAI-compatible server")


def _short(text: object, limit: int = 200) -> str:
    """The first line of a server's error message, cut to `limit` characters."""
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _retry_after(err: openai.APIStatusError) -> float | None:
    value = err.response.headers.get("retry-after") if err.response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def to_openai_message(message: Message) -> Message:
    """Our message dict in OpenAI's shape: tool-call arguments as JSON strings."""
    out = dict(message)
    if out.get("tool_calls"):
        out["tool_calls"] = [
            {
                "id": c.get("id") or f"call_{i}",
                "type": "function",
                "function": {
                    "name": c["function"]["name"],
                    "arguments": c["function"]["arguments"]
                    if isinstance(c["function"].get("arguments"), str)
                    else json.dumps(c["function"].get("arguments") or {}),
                },
            }
            for i, c in enumerate(out["tool_calls"])
        ]
    return out
