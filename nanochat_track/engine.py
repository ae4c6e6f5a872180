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
    so the model writes the assistant's reply next."""
    ids = [tokenizer.bos_id]
    for msg in messages:
        role = "user" if msg["role"] == "user" else "assistant"
        ids.append(tokenizer.special_id(f"<|{role}_start|>"))
        ids += tokenizer.encode(msg["content"])
        ids.append(tokenizer.special_id(f"<|{role}_end|>"))
    ids.append(tokenizer.special_id("<|assistant_start|>"))
    return ids


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
