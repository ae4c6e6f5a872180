"""The embedded backend: a GGUF model running inside this Python process (llama-cpp-python).

No server, no network: the default when nothing else answers. The model file comes from
`shared.model_files` (assembled once into the cache by `make setup`).

    llm = EmbeddedBackend("qwen2.5-coder-0.5b")
    llm.chat([{"role": "user", "content": "Say hi"}], max_tokens=20)

One llama.cpp model object per (file, context size) per process: the object keeps the KV cache
of the last prompt, so a next turn that shares the conversation so far only computes the new
tokens (measured: 0.16 s instead of 9.5 s for a 1,200-token shared prefix). Build the
conversation by appending, and reuse the backend, rather than starting over.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from shared.config import Settings, load_settings
from shared.llm.backend import ChatBackend
from shared.llm.errors import LLMError, LLMTimeout, ModelFileError
from shared.llm.types import ChatResult, Message, ToolCall, Usage, arguments_as_dict

DEFAULT_MODEL = "qwen2.5-coder-0.5b"
PASSED_OPTIONS = ("temperature", "max_tokens", "seed", "stop", "top_p", "top_k")
# Under a JSON grammar a model can run away in blank lines until the token limit (measured:
# the 1.5B wrote 500 newlines inside an action). JSON never needs four in a row: stop there.
RUNAWAY_WHITESPACE = "\n\n\n\n"

# (model file, n_ctx) -> (llama_cpp.Llama, lock). One object per process; the lock keeps two
# threads from decoding into the same KV cache at once.
_LOADED: dict[tuple[str, int], tuple[Any, threading.Lock]] = {}
_LOADED_LOCK = threading.Lock()
_LOADED_BY_PID = 0  # the process that loaded the models in _LOADED


class ForkedAfterLoad(LLMError):
    """This process was forked from one that had already run llama.cpp."""


def check_not_forked() -> None:
    """Refuse to run llama.cpp in a process forked from one that already ran it. llama.cpp's
    OpenMP threads stay behind in the parent; the child's first request waits for them forever
    (measured: a benchmark worker forked after the phase 5 check's live run hung in
    GOMP_parallel on a quiet machine, with 2 threads)."""
    if _LOADED and _LOADED_BY_PID != os.getpid():
        raise ForkedAfterLoad(
            "this process was forked from one that had already run the embedded model, and "
            "llama.cpp would hang here (its OpenMP threads live in the parent)",
            "start the benchmark (or any forking job) before using the model in the same "
            "process, or run it in a fresh one: python -m shared.bench.command")


def load_llama(path: Path, n_ctx: int, n_threads: int = 0) -> tuple[Any, threading.Lock]:
    """The process-wide llama.cpp model object for this file and context size (loaded once)."""
    global _LOADED_BY_PID
    check_not_forked()
    key = (str(Path(path).resolve()), int(n_ctx))
    with _LOADED_LOCK:
        _LOADED_BY_PID = os.getpid()
        if key not in _LOADED:
            _LOADED[key] = (_load(Path(path), n_ctx, n_threads), threading.Lock())
        return _LOADED[key]


def _load(path: Path, n_ctx: int, n_threads: int) -> Any:
    from llama_cpp import Llama  # imported here: choosing another backend must not pay for it

    if not path.is_file():
        raise ModelFileError(f"the model file {path} does not exist",
                             "run `make setup` to assemble the embedded model")
    try:
        return Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=n_threads or os.cpu_count() or 1,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as err:
        raise ModelFileError(
            f"llama.cpp could not load {path} ({err})",
            "the file is incomplete or corrupt: delete it and run `make setup` again",
        ) from None


def resolve_model_path(model: str, settings: Settings) -> Path:
    """A model name from shared.model_files.MODELS (assembled on first use), or a .gguf path."""
    if model.endswith(".gguf"):
        path = Path(model).expanduser()
        if not path.is_file():
            raise ModelFileError(f"the model file {path} does not exist",
                                 "check the path, or use a name such as qwen2.5-coder-0.5b")
        return path
    from shared.model_files import ensure_model

    return ensure_model(model, settings)


class EmbeddedBackend(ChatBackend):
    """Chat with a GGUF model in process. The file is found and loaded on first use."""

    name = "embedded"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        settings: Settings | None = None,
        n_ctx: int | None = None,
        n_threads: int | None = None,
        timeout_s: float | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        # max_retries=0: an in-process model does not fail transiently; a retry only repeats work.
        super().__init__(model=model, timeout_s=timeout_s or self.settings.timeout_s, max_retries=0)
        self.n_ctx = n_ctx or self.settings.n_ctx
        self.n_threads = self.settings.n_threads if n_threads is None else n_threads
        self.model_path: Path | None = None
        self._llama: Any = None
        self._lock: threading.Lock | None = None

    def load(self) -> Any:
        """Find (and on first use assemble) the model file and load it; returns the Llama object."""
        check_not_forked()  # also for an object loaded before a fork
        if self._llama is None:
            self.model_path = resolve_model_path(self.model, self.settings)
            self._llama, self._lock = load_llama(self.model_path, self.n_ctx, self.n_threads)
        return self._llama

    @property
    def loaded(self) -> bool:
        return self._llama is not None

    def tokenize_prompt(self, messages: list[Message],
                        tools: list[dict[str, Any]] | None = None) -> list[int]:
        """The prompt's tokens exactly as a chat call builds them (the GGUF's chat template, then
        llama.cpp's tokenizer): their number is the prompt_tokens the reply reports."""
        from llama_cpp import llama_chat_format

        llama = self.load()
        kwargs = self._arguments(messages, tools, None, {})
        if llama.chat_format == "chatml":
            formatter: Any = llama_chat_format.format_chatml
        elif (llama.chat_format or "").startswith("chat_template."):
            name = llama.chat_format.removeprefix("chat_template")  # ".default", ".tool_use", ...
            key = "tokenizer.chat_template" + ("" if name == ".default" else name)
            eos, bos = llama.token_eos(), llama.token_bos()
            formatter = llama_chat_format.Jinja2ChatFormatter(
                template=llama.metadata[key], stop_token_ids=[eos],
                eos_token=llama._model.token_get_text(eos) if eos != -1 else "",
                bos_token=llama._model.token_get_text(bos) if bos != -1 else "")
        else:
            raise NotImplementedError(f"no prompt counting for chat format {llama.chat_format!r}")
        prompt = formatter(messages=kwargs["messages"], tools=kwargs.get("tools"))
        return llama.tokenize(prompt.prompt.encode("utf-8"), add_bos=not prompt.added_special,
                              special=True)

    def _arguments(self, messages, tools, response_format, options) -> dict[str, Any]:
        kwargs: dict[str, Any] = {k: options[k] for k in PASSED_OPTIONS if options.get(k) is not None}
        kwargs["messages"] = [_with_dict_arguments(m) for m in messages]
        if tools:
            kwargs["tools"] = tools
        if response_format:
            # llama.cpp turns the schema into a grammar: the reply can only be such an object.
            kwargs["response_format"] = {"type": "json_object", **(
                {"schema": response_format["schema"]} if response_format.get("schema") else {})}
            stop = kwargs.get("stop") or []
            kwargs["stop"] = ([stop] if isinstance(stop, str) else list(stop)) + [RUNAWAY_WHITESPACE]
        return kwargs

    def _chat_once(self, messages, tools, response_format, options) -> ChatResult:
        llama = self.load()
        kwargs = self._arguments(messages, tools, response_format, options)
        timeout_s = float(options.get("timeout") or self.timeout_s)
        deadline = Deadline(timeout_s, llama.token_eos(), active="response_format" not in kwargs)
        with self._lock:  # type: ignore[union-attr]
            response = llama.create_chat_completion(**kwargs, logits_processor=[deadline])
        if deadline.expired:
            raise deadline.error(self.model)
        choice = response["choices"][0]
        content = choice["message"].get("content") or ""
        calls = [
            ToolCall(name=c["function"]["name"], id=c.get("id", ""),
                     arguments=arguments_as_dict(c["function"].get("arguments")))
            for c in choice["message"].get("tool_calls") or []
        ]
        if tools and not calls:
            # Measured: llama-cpp-python's template handler leaves Qwen's <tool_call> blocks in
            # the text. Take the well-formed ones out; anything looser is phase3's lesson.
            calls, content = parse_tool_call_tags(content)
        usage = response.get("usage") or {}
        return ChatResult(
            content=content,
            tool_calls=calls,
            usage=Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)),
            model=self.model,
            backend=self.name,
            finish_reason="tool_calls" if calls else (choice.get("finish_reason") or "stop"),
        )

    def _stream_once(self, messages: list[Message], options: dict[str, Any],
                     usage: Usage) -> Iterator[str]:
        llama = self.load()
        kwargs = self._arguments(messages, None, None, options)
        timeout_s = float(options.get("timeout") or self.timeout_s)
        deadline = Deadline(timeout_s, llama.token_eos())
        with self._lock:  # type: ignore[union-attr]
            chunks = llama.create_chat_completion(**kwargs, stream=True, logits_processor=[deadline])
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    usage.completion_tokens += 1  # llama.cpp streams one token per chunk
                    yield piece
            # The context now holds the prompt and the reply: the rest is the prompt.
            usage.prompt_tokens = max(0, llama.n_tokens - usage.completion_tokens)
        if deadline.expired:
            raise deadline.error(self.model)


def _with_dict_arguments(message: Message) -> Message:
    """Qwen's chat template writes tool-call arguments with `tojson`: they must be a dict here
    (a JSON string would be encoded twice)."""
    if not message.get("tool_calls"):
        return message
    calls = [
        {**c, "function": {**c["function"],
                           "arguments": arguments_as_dict(c["function"].get("arguments"))}}
        for c in message["tool_calls"]
    ]
    return {**message, "tool_calls": calls}


class Deadline:
    """A llama.cpp logits processor that ends generation once `timeout_s` seconds have passed.

    llama.cpp calls it before sampling each token, from C, where a Python exception would be
    swallowed; so instead it leaves only the end-of-sequence token possible, and the caller
    checks `expired` afterwards. The prompt's own evaluation is not interrupted. Under a JSON
    grammar it does nothing (ending mid-object would break the grammar; those replies are short).
    """

    def __init__(self, timeout_s: float, eos_token: int, active: bool = True) -> None:
        self.timeout_s = timeout_s
        self.deadline = time.monotonic() + timeout_s
        self.eos_token = eos_token
        self.active = active
        self.expired = False

    def __call__(self, _input_ids: Any, scores: Any) -> Any:
        if self.active and (self.expired or time.monotonic() > self.deadline):
            self.expired = True
            scores[:] = -float("inf")
            scores[self.eos_token] = 0.0
        return scores

    def error(self, model: str) -> LLMTimeout:
        return LLMTimeout(
            f"the embedded model {model} did not finish within {self.timeout_s:g} s",
            "ask for fewer tokens (max_tokens), raise the timeout (AGENTLAB_TIMEOUT or "
            "timeout=...), or use a smaller model",
        )


TOOL_CALL_TAG = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)  # no \s*: linear


def parse_tool_call_tags(content: str) -> tuple[list[ToolCall], str]:
    """Qwen's `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` blocks -> ToolCalls.

    Returns the calls and the content with the parsed blocks removed. A block that is not a JSON
    object with a "name" stays in the content untouched.
    """
    calls: list[ToolCall] = []

    def take(match: re.Match[str]) -> str:
        try:
            data = json.loads(match.group(1))
        except json.JSONDecodeError:
            return match.group(0)
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            return match.group(0)
        calls.append(ToolCall(name=data["name"], arguments=arguments_as_dict(data.get("arguments")),
                              id=f"call_{len(calls)}_{data['name']}"))
        return ""

    remaining = TOOL_CALL_TAG.sub(take, content)
    return calls, remaining.strip() if calls else content
