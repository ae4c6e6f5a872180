"""Inference: a KV cache, batched sampling with temperature and top-k, and a chat format.

Without a cache, every new token re-runs the model over the whole sequence (quadratic work).
With one, the prompt is run once ("prefill") and each new token only computes its own query,
key and value, attending to the keys and values stored for the earlier positions ("decode").
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from .gpt import GPT


class KVCache:
    """Keys and values of every layer: (layers, batch, kv_heads, max_len, head_dim) each."""

    def __init__(self, batch_size: int, n_layer: int, n_kv_head: int, head_dim: int, max_len: int,
                 device: torch.device, dtype: torch.dtype):
        shape = (n_layer, batch_size, n_kv_head, max_len, head_dim)
        self.k = torch.zeros(shape, device=device, dtype=dtype)
        self.v = torch.zeros(shape, device=device, dtype=dtype)
        self.pos = 0  # tokens stored so far (the same for every row of the batch)
        self.max_len = max_len

    @classmethod
    def for_model(cls, model: GPT, batch_size: int, max_len: int) -> KVCache:
        c = model.config
        weight = model.lm_head.weight
        return cls(batch_size, c.n_layer, c.n_kv_head, c.n_embd // c.n_head, max_len,
                   weight.device, weight.dtype)

    def insert(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store this step's k, v (B, H, T, D) at positions pos..pos+T; return all so far."""
        t0, t1 = self.pos, self.pos + k.size(2)
        if t1 > self.max_len:
            raise ValueError(f"KV cache full ({self.max_len} tokens): start a new conversation.")
        self.k[layer, :, :, t0:t1] = k
        self.v[layer, :, :, t0:t1] = v
        return self.k[layer, :, :, :t1].to(k.dtype), self.v[layer, :, :, :t1].to(v.dtype)

    def advance(self, n: int) -> None:
        """Called by the model after the last layer: the new tokens are now stored."""
        self.pos += n

    def expand(self, batch_size: int) -> None:
        """Copy a batch-1 cache (a prefilled prompt) into `batch_size` rows for sampling."""
        self.k = self.k.expand(-1, batch_size, -1, -1, -1).contiguous()
        self.v = self.v.expand(-1, batch_size, -1, -1, -1).contiguous()


def sample_next(logits: torch.Tensor, temperature: float, top_k: int | None,
                generator: torch.Generator | None) -> torch.Tensor:
    """Next token per row from logits (B, V): argmax at temperature 0, else softmax sampling
    over the top_k most likely tokens (all of them when top_k is None)."""
    if temperature <= 0.0:
        return logits.argmax(dim=-1, keepdim=True)
    logits = logits / temperature
    if top_k is not None and top_k < logits.size(-1):
        values, indices = torch.topk(logits, top_k, dim=-1)
        probs = torch.softmax(values, dim=-1)
        choice = torch.multinomial(probs, 1, generator=generator)
        return indices.gather(-1, choice)
    probs = torch.softmax(logits, dim=-1)
    return torch.multinomial(probs, 1, generator=generator)


@torch.inference_mode()
def generate(model: GPT, prompt: list[int], max_tokens: int, num_samples: int = 1,
             temperature: float = 1.0, top_k: int | None = 50, seed: int = 42,
             stop_ids: set[int] | None = None) -> Iterator[list[int]]:
    """Yield, step by step, the next token of each of `num_samples` continuations of `prompt`.

    The prompt is prefilled once with batch size 1, then the cache is copied to every sample.
    Rows that produced a stop token keep yielding it (the caller stops reading them).
    """
    model.eval()
    device = model.lm_head.weight.device
    generator = torch.Generator(device=device).manual_seed(seed)
    cache = KVCache.for_model(model, 1, len(prompt) + max_tokens)
    ids = torch.tensor([prompt], dtype=torch.long, device=device)
    logits = model(ids, kv_cache=cache)[:, -1, :]  # prefill
    cache.expand(num_samples)
    logits = logits.expand(num_samples, -1)
    done = torch.zeros(num_samples, dtype=torch.bool, device=device)
    stops = torch.tensor(sorted(stop_ids or []), dtype=torch.long, device=device)
    for step in range(max_tokens):
        nxt = sample_next(logits, temperature, top_k, generator)  # (B, 1)
        if len(stops):
            nxt = torch.where(done[:, None], stops[0], nxt)
            done |= torch.isin(nxt[:, 0], stops)
        yield nxt[:, 0].tolist()
        if bool(done.all()) or step == max_tokens - 1:
            break
        logits = model(nxt, kv_cache=cache)[:, -1, :]  # decode one token


def generate_tokens(model: GPT, prompt: list[int], max_tokens: int, num_samples: int = 1,
                    temperature: float = 1.0, top_k: int | None = 50, seed: int = 42,
                    stop_ids: set[int] | None = None) -> list[list[int]]:
    """The continuations as lists of ids, each cut after its first stop token (excluded)."""
    rows: list[list[int]] = [[] for _ in range(num_samples)]
    finished = [False] * num_samples
    for column in generate(model, prompt, max_tokens, num_samples, temperature, top_k, seed, stop_ids):
        for i, tok in enumerate(column):
            if finished[i]:
                continue
            if stop_ids and tok in stop_ids:
                finished[i] = True
            else:
                rows[i].append(tok)
    return rows


@torch.inference_mode()
def generate_naive(model: GPT, prompt: list[int], max_tokens: int) -> list[int]:
    """Greedy decoding that re-runs the full sequence every step: the reference the cache must match."""
    model.eval()
    device = model.lm_head.weight.device
    ids = torch.tensor([prompt], dtype=torch.long, device=device)
    out: list[int] = []
    for _ in range(max_tokens):
        nxt = model(ids)[:, -1, :].argmax(dim=-1, keepdim=True)
        out.append(int(nxt))
        ids = torch.cat([ids, nxt], dim=1)
    return out


def render_chat(tokenizer, messages: list[dict]) -> list[int]:
    """<|bos|> then each turn wrapped in its start/end tokens, ending with <|assistant_start|>
    so the model writes the assistant's reply next (conversation.render_prompt: the one chat
    format of the track)."""
    from .conversation import render_prompt

    return render_prompt(tokenizer, messages)


def chat_reply(model: GPT, tokenizer, messages: list[dict], max_tokens: int = 128,
               temperature: float = 0.7, top_k: int = 50, seed: int = 0) -> str:
    """The assistant's next message for `messages` (stops at <|assistant_end|> or <|bos|>)."""
    prompt = render_chat(tokenizer, messages)
    room = model.rotary_len - len(prompt)
    if room <= 0:
        raise ValueError("The conversation is longer than the model's context: start a new one.")
    stops = {tokenizer.special_id("<|assistant_end|>"), tokenizer.bos_id}
    rows = generate_tokens(model, prompt, min(max_tokens, room), 1, temperature, top_k, seed, stops)
    return tokenizer.decode(rows[0])


# -- tool use: the calculator inside generation ------------------------------------------------
class ToolTokens:
    """The ids of the tool's special tokens in a tokenizer."""

    def __init__(self, tokenizer):
        special = tokenizer.special_id
        self.python_start, self.python_end = special("<|python_start|>"), special("<|python_end|>")
        self.output_start, self.output_end = special("<|output_start|>"), special("<|output_end|>")


class ToolState:
    """One sample's tool use: the python call being collected, the tokens to force next."""

    def __init__(self):
        self.call: list[int] | None = None  # tokens after <|python_start|>, None outside a call
        self.forced: list[int] = []  # tokens the engine writes next, in order
        self.calls: list[tuple[str, str]] = []  # (expression, output) of each finished call

    def next_forced(self) -> int | None:
        return self.forced.pop(0) if self.forced else None

    def observe(self, tok: int, tools: ToolTokens, tokenizer, tool) -> None:
        """Follow the sequence: at <|python_end|>, evaluate the call and queue
        <|output_start|> result <|output_end|>."""
        if tok == tools.python_start:
            self.call = []
        elif tok == tools.python_end and self.call is not None:
            expression = tokenizer.decode(self.call)
            output = tool(expression)
            self.calls.append((expression, output))
            self.forced = [tools.output_start, *tokenizer.encode(output), tools.output_end]
            self.call = None
        elif self.call is not None:
            self.call.append(tok)


@torch.inference_mode()
def generate_with_tools(model: GPT, tokenizer, prompt: list[int], max_tokens: int,
                        num_samples: int = 1, temperature: float = 1.0, top_k: int | None = 50,
                        seed: int = 42, stop_ids: set[int] | None = None,
                        tool=None) -> Iterator[tuple[list[int], list[bool]]]:
    """Like `generate`, but each sample may call the calculator: yields (tokens, forced) per
    step, one entry per sample; `forced[i]` is True where the engine wrote the token.

    When a sample writes <|python_end|>, the expression since <|python_start|> goes to `tool`
    (default: calculator.tool_output) and <|output_start|> result <|output_end|> are forced
    into that sample over the next steps, one token per step: each is fed through the model
    like a sampled one, so the KV cache holds exactly the sequence the caller sees. Forced
    tokens count in `max_tokens`."""
    from .calculator import tool_output

    tool = tool or tool_output
    model.eval()
    device = model.lm_head.weight.device
    generator = torch.Generator(device=device).manual_seed(seed)
    cache = KVCache.for_model(model, 1, len(prompt) + max_tokens)
    logits = model(torch.tensor([prompt], dtype=torch.long, device=device), kv_cache=cache)[:, -1, :]
    cache.expand(num_samples)
    logits = logits.expand(num_samples, -1)
    tools = ToolTokens(tokenizer)
    states = [ToolState() for _ in range(num_samples)]
    stops = sorted(stop_ids or [])
    done = [False] * num_samples
    for step in range(max_tokens):
        column = sample_next(logits, temperature, top_k, generator)[:, 0].tolist()
        forced = [False] * num_samples
        for i, state in enumerate(states):
            if done[i]:
                column[i] = stops[0]
                continue
            nxt = state.next_forced()
            if nxt is not None:
                column[i], forced[i] = nxt, True
            else:
                state.observe(column[i], tools, tokenizer, tool)
            done[i] = column[i] in stops
        yield column, forced
        if all(done) or step == max_tokens - 1:
            break
        logits = model(torch.tensor(column, device=device)[:, None], kv_cache=cache)[:, -1, :]


def generate_tokens_with_tools(model: GPT, tokenizer, prompt: list[int], max_tokens: int,
                               num_samples: int = 1, temperature: float = 1.0,
                               top_k: int | None = 50, seed: int = 42,
                               stop_ids: set[int] | None = None,
                               tool=None) -> list[tuple[list[int], list[bool]]]:
    """Each sample as (ids, forced flags), cut before its first stop token."""
    rows: list[tuple[list[int], list[bool]]] = [([], []) for _ in range(num_samples)]
    finished = [False] * num_samples
    for column, forced in generate_with_tools(model, tokenizer, prompt, max_tokens, num_samples,
                                              temperature, top_k, seed, stop_ids, tool):
        for i, tok in enumerate(column):
            if finished[i] or (stop_ids and tok in stop_ids):
                finished[i] = True
                continue
            rows[i][0].append(tok)
            rows[i][1].append(forced[i])
    return rows


def chat_prompt(model: GPT, tokenizer, messages: list[dict], channels: bool = False) -> list[int]:
    """The prompt ids for the assistant's next turn (conversation.render_prompt); raises
    ValueError when it leaves no room in the model's context."""
    from .conversation import render_prompt

    prompt = render_prompt(tokenizer, messages, channels=channels)
    if model.rotary_len - len(prompt) <= 0:
        raise ValueError("The conversation is longer than the model's context: start a new one.")
    return prompt


def reply_stops(tokenizer) -> set[int]:
    return {tokenizer.special_id("<|assistant_end|>"), tokenizer.bos_id}


def chat_reply_with_tools(model: GPT, tokenizer, messages: list[dict], max_tokens: int = 128,
                          temperature: float = 0.7, top_k: int | None = 50, seed: int = 0,
                          channels: bool = False) -> str | list[dict]:
    """The assistant's next message, calculator calls evaluated: its content as
    conversation.parse_assistant gives it (a string, or parts with the python calls)."""
    from .conversation import parse_assistant

    prompt = chat_prompt(model, tokenizer, messages, channels)
    room = min(max_tokens, model.rotary_len - len(prompt))
    ids, _ = generate_tokens_with_tools(model, tokenizer, prompt, room, 1, temperature, top_k, seed,
                                        reply_stops(tokenizer))[0]
    return parse_assistant(tokenizer, ids)


def stream_reply(model: GPT, tokenizer, messages: list[dict], max_tokens: int = 128,
                 temperature: float = 0.7, top_k: int | None = 50, seed: int = 0,
                 channels: bool = False, show_analysis: bool = False) -> Iterator[str]:
    """The assistant's next message as text pieces, while it is generated (the web chat and
    the CLI print them as they come). A calculator call shows as "[python] 2+3 -> 5"; the
    analysis channel is shown only with `show_analysis`."""
    prompt = chat_prompt(model, tokenizer, messages, channels)
    room = min(max_tokens, model.rotary_len - len(prompt))
    tools = ToolTokens(tokenizer)
    markers = {tools.python_start: "\n[python] ", tools.python_end: "", tools.output_start: " -> ",
               tools.output_end: "\n"}
    names = {tokenizer.special_id(t): t for t in tokenizer.special_tokens}
    pending: list[int] = []  # text tokens whose bytes may end mid-character
    hidden = False  # inside the analysis channel with show_analysis off
    shown = False  # anything yielded yet (a line break is only written after something)
    stops = reply_stops(tokenizer)
    for column, _ in generate_with_tools(model, tokenizer, prompt, room, 1, temperature, top_k, seed, stops):
        tok = column[0]
        if tok in stops:
            break
        piece = ""
        if tok not in names:
            if not hidden:
                pending.append(tok)
                text = tokenizer.decode(pending)
                if not text.endswith("\ufffd"):  # wait for the rest of a split character
                    pending.clear()
                    piece = text
        elif names[tok] in ("<|analysis|>", "<|commentary|>", "<|final|>"):
            hidden = names[tok] == "<|analysis|>" and not show_analysis
            if names[tok] == "<|analysis|>" and show_analysis:
                piece = "(thinking) "
            elif names[tok] == "<|final|>" and shown:
                piece = "\n"
        elif tok in markers:
            piece = markers[tok].lstrip("\n") if not shown else markers[tok]
        if piece:
            shown = True
            yield piece
    if pending:
        yield tokenizer.decode(pending)


TOOL_QUESTIONS = ["What is 17 times 23?", "Compute 45 * 12.", "Multiply 38 by 7.",
                  "A notebook costs 12 euros. How much do 7 notebooks cost?"]


def tool_call_demo(model: GPT, tokenizer, questions: list[str] | None = None, channels: bool = False,
                   max_tokens: int = 64, samples: int = 3) -> dict:
    """Ask the questions one by one, greedily and then with `samples` sampled replies
    (temperature 0.8), calculator on, until a reply calls the calculator:
    {"user", "shown", "calls": [[expression, output], ...], "asked", "attempt" (0: greedy),
    "forced_tokens"} of that reply (or of the last one when none did)."""
    from .channels import display
    from .conversation import parse_assistant

    result: dict = {}
    for n, question in enumerate(questions or TOOL_QUESTIONS, 1):
        prompt = chat_prompt(model, tokenizer, [{"role": "user", "content": question}], channels)
        for attempt in range(samples + 1):
            ids, forced = generate_tokens_with_tools(model, tokenizer, prompt, max_tokens, 1,
                                                     0.0 if attempt == 0 else 0.8, 50, attempt,
                                                     reply_stops(tokenizer))[0]
            content = parse_assistant(tokenizer, ids)
            parts = [] if isinstance(content, str) else content
            calls = [[p["text"], q["text"]] for p, q in zip(parts, parts[1:], strict=False)
                     if p["type"] == "python" and q["type"] == "python_output"]
            result = {"user": question, "shown": display(content), "calls": calls, "asked": n,
                      "attempt": attempt, "forced_tokens": sum(forced)}
            if calls:
                return result
    return result
