"""The Ollama backend: a local Ollama server through the official `ollama` client.

    llm = OllamaBackend(host="http://localhost:11434", model="qwen2.5-coder:7b-instruct-q4_K_M")
    llm.chat([{"role": "user", "content": "Say hi"}]).content

Wire facts that shape this file: Ollama returns tool-call arguments as an object (OpenAI sends a
JSON string); its default context window is small and longer prompts are cut silently, so we
always send options.num_ctx; errors come as {"error": ...} with 404/429/500, or mid-stream as an
NDJSON error object on a 200; the client's own timeout is unlimited unless set, and even when set
it bounds each read, not the call: our DeadlineTransport makes it the call's total time, streams
included (a server that trickles a byte every second is cut off with LLMTimeout).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import ollama
import pydantic

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

DEFAULT_HOST = "http://localhost:11434"
DEFAULT_MODEL = "qwen2.5-coder:7b-instruct-q4_K_M"
PROBE_TIMEOUT_S = 1.0  # how long `is_available` waits: `auto` must decide quickly

# Our option names -> Ollama's (https://github.com/ollama/ollama/blob/main/docs/api.md).
OPTION_NAMES = {"max_tokens": "num_predict", "temperature": "temperature", "seed": "seed",
                "stop": "stop", "top_p": "top_p", "top_k": "top_k"}


class OllamaBackend(ChatBackend):
    """Chat with a model served by Ollama (`ollama serve`)."""

    name = "ollama"

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        model: str = DEFAULT_MODEL,
        timeout_s: float = 120.0,
        max_retries: int = 3,
        num_ctx: int = 8192,
    ) -> None:
        super().__init__(model=model, timeout_s=timeout_s, max_retries=max_retries)
        self.host = host.rstrip("/")
        self.num_ctx = num_ctx
        self._clients: dict[float, ollama.Client] = {}  # one client per timeout value

    def describe(self) -> str:
        return f"ollama ({self.model} at {self.host})"

    # Talking to the server ------------------------------------------------------------------
    def _client(self, timeout_s: float) -> ollama.Client:
        if timeout_s not in self._clients:
            try:
                self._clients[timeout_s] = ollama.Client(host=self.host, timeout=timeout_s,
                                                         transport=DeadlineTransport())
            except ValueError:  # the client could not parse the host (a port that is no number)
                raise BadRequest(f"{self.host!r} is not a URL we can reach Ollama at",
                                 "set OLLAMA_HOST to something like http://localhost:11434") from None
        return self._clients[timeout_s]

    def request_body(
        self,
        messages: list[Message],
        tools: list[dict[str, Any]] | None,
        response_format: dict[str, Any] | None,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        """The keyword arguments for `ollama.Client.chat` (everything except `stream`)."""
        ollama_options: dict[str, Any] = {"num_ctx": int(options.get("num_ctx", self.num_ctx))}
        for ours, theirs in OPTION_NAMES.items():
            if options.get(ours) is not None:
                value = options[ours]
                ollama_options[theirs] = [value] if ours == "stop" and isinstance(value, str) else value
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [to_ollama_message(m) for m in messages],
            "options": ollama_options,
        }
        if tools:
            body["tools"] = tools
        if response_format:
            # A schema constrains the reply to it; plain json_object asks for any JSON.
            body["format"] = response_format.get("schema") or "json"
        return body

    def _chat_once(self, messages, tools, response_format, options) -> ChatResult:
        timeout_s = float(options.get("timeout") or self.timeout_s)
        body = self.request_body(messages, tools, response_format, options)
        try:
            response = self._client(timeout_s).chat(**body, stream=False)
            return self._to_result(response)
        except Exception as err:  # translated into our errors, or re-raised if unknown
            raise self._translate(err, timeout_s) from err

    def _stream_once(self, messages: list[Message], options: dict[str, Any],
                     usage: Usage) -> Iterator[str]:
        timeout_s = float(options.get("timeout") or self.timeout_s)
        body = self.request_body(messages, None, None, options)
        try:
            for part in self._client(timeout_s).chat(**body, stream=True):
                if part.message.content:
                    yield part.message.content
                if part.done:  # the last part carries the token counts
                    usage.prompt_tokens = part.prompt_eval_count or 0
                    usage.completion_tokens = part.eval_count or 0
        except Exception as err:
            raise self._translate(err, timeout_s) from err

    def _to_result(self, response: ollama.ChatResponse) -> ChatResult:
        message = response.message
        calls = [
            ToolCall(
                name=call.function.name,
                arguments=arguments_as_dict(call.function.arguments),
                id=f"call_{i}_{call.function.name}",
            )
            for i, call in enumerate(message.tool_calls or [])
        ]
        finish = "tool_calls" if calls else (response.done_reason or "stop")
        return ChatResult(
            content=message.content or "",
            tool_calls=calls,
            usage=Usage(response.prompt_eval_count or 0, response.eval_count or 0),
            model=response.model or self.model,
            backend=self.name,
            finish_reason=finish,
        )

    # Errors: one plain sentence on what to do next ------------------------------------------
    def _translate(self, err: Exception, timeout_s: float) -> Exception:
        """Turn whatever the client or httpx raised into one of shared.llm.errors."""
        if isinstance(err, LLMError):
            return err
        if isinstance(err, ConnectionError | httpx.ConnectError):
            return BackendUnavailable(
                f"Ollama is not running at {self.host}",
                "start it with `ollama serve`, or choose the embedded backend "
                "(AGENTLAB_BACKEND=embedded)",
            )
        if isinstance(err, httpx.TimeoutException):
            return LLMTimeout(
                f"Ollama at {self.host} did not finish its reply within {timeout_s:g} s",
                "raise the timeout (AGENTLAB_TIMEOUT or timeout=...), ask for fewer tokens "
                "(max_tokens), or use a smaller model",
            )
        if isinstance(err, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return BadRequest(f"{self.host!r} is not a URL we can reach Ollama at ({err})",
                              "set OLLAMA_HOST to something like http://localhost:11434")
        if isinstance(err, httpx.TransportError):  # reset, disconnected, truncated body
            return BackendUnavailable(
                f"the connection to Ollama at {self.host} broke off mid-reply ({err})",
                "check that `ollama serve` is still running (its log says why it stopped), "
                "or choose the embedded backend (AGENTLAB_BACKEND=embedded)",
            )
        if isinstance(err, ollama.ResponseError):
            return self._translate_status(err)
        if isinstance(err, json.JSONDecodeError | pydantic.ValidationError):
            return BadResponse(
                f"Ollama at {self.host} sent a reply we cannot read ({err.__class__.__name__})",
                "check that OLLAMA_HOST points at an Ollama server and that the server is current",
            )
        return err

    def _translate_status(self, err: ollama.ResponseError) -> LLMError:
        status, text = err.status_code, str(err.error)
        if status == 404:
            return ModelNotFound(
                f"Ollama at {self.host} has no model {self.model!r} ({text})",
                f"run `ollama pull {self.model}`, or set AGENTLAB_MODEL to one that "
                "`ollama list` shows",
            )
        if status == 429:
            retry_after = retry_after_seconds(err)
            return RateLimited(
                f"Ollama at {self.host} is busy (429: {text})",
                "wait and try again, or send fewer requests at once",
                retry_after=retry_after,
            )
        if status >= 500:
            return ServerError(
                f"Ollama at {self.host} failed ({status}: {text})",
                "retry; if it keeps failing, read the Ollama server log",
            )
        if status == -1:  # an {"error": ...} object in the middle of a streamed 200 reply
            return ServerError(
                f"Ollama at {self.host} reported an error mid-reply: {text}",
                "retry; if it keeps failing, read the Ollama server log",
            )
        return BadRequest(
            f"Ollama at {self.host} refused the request ({status}: {text})",
            "check the messages, tools and options sent; retrying the same request will not help",
        )

    # Quick questions for `auto` and the doctor ----------------------------------------------
    def list_models(self, timeout_s: float = PROBE_TIMEOUT_S) -> list[str]:
        """Names of the models the server has (`ollama list`); raises LLMError if it is down."""
        try:
            return [m.model or "" for m in self._client(timeout_s).list().models]
        except Exception as err:
            raise self._translate(err, timeout_s) from err

    def is_available(self, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
        """True when the server answers within `timeout_s` seconds."""
        try:
            self.list_models(timeout_s)
        except LLMError:
            return False
        return True

    def has_model(self, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
        """True when the server answers and lists `self.model`."""
        try:
            return self.has_model_in(self.list_models(timeout_s))
        except LLMError:
            return False

    def has_model_in(self, names: list[str]) -> bool:
        """Is `self.model` among these names? A name without a tag means ':latest'."""
        wanted = self.model if ":" in self.model else self.model + ":latest"
        return wanted in names or self.model in names


def retry_after_seconds(err: Exception) -> float | None:
    """The Retry-After header (seconds) of the HTTP reply behind an ollama.ResponseError.

    The client raises ResponseError `from None`, which hides the httpx error but still keeps
    it in __context__: that is where the reply's headers are.
    """
    context = err.__context__
    response = getattr(context, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # an HTTP date instead of seconds: fall back to our own backoff
        return None


def to_ollama_message(message: Message) -> Message:
    """Our message dict in Ollama's shape: tool-call arguments as objects, tool replies named."""
    out = dict(message)
    if out.get("tool_calls"):
        out["tool_calls"] = [
            {"function": {"name": c["function"]["name"],
                          "arguments": arguments_as_dict(c["function"].get("arguments"))}}
            for c in out["tool_calls"]
        ]
    if out.get("role") == "tool" and out.get("name") and not out.get("tool_name"):
        out["tool_name"] = out["name"]
    return out
