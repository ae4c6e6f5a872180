"""Channels, an option: the assistant's reply split into analysis, commentary and final.

- analysis: hidden reasoning (the steps of a letter count), not shown to the user by default;
- commentary: tool calls (<|python_start|>...<|python_end|>) and the tool's output;
- final: what the user sees.

The tokens: three more special tokens, <|analysis|>, <|commentary|>, <|final|>, added only when
the option is on (`with_channels`), after part 1's nine, so part 1's tokenizers and checkpoints
keep working unchanged. A model pretrained without them grows three rows in its embedding and
its head (`grow_vocab`) before mid-training.

The data format: an assistant part may carry "channel" (see conversation.py). The synthetic
generators mark their reasoning steps "analysis" and their answers "final"; rendered without
channels the same data is plain text. With them a reply reads

    <|assistant_start|><|analysis|>s-t-r-a-w... 3 r's.<|final|>There are 3 r's.<|assistant_end|>

The routing at inference: `route` splits a generated reply into the three channels, and
`display` writes what the chat shows, with the analysis hidden or shown (the chat's switch).
"""

from __future__ import annotations

import torch

from .conversation import CHANNELS, channel_token, content_parts
from .gpt import GPT
from .tokenizer import Tokenizer

CHANNEL_TOKENS = [channel_token(c) for c in CHANNELS]


def has_channels(tokenizer: Tokenizer) -> bool:
    """True when the tokenizer knows the three channel tokens."""
    return all(t in tokenizer.special_tokens for t in CHANNEL_TOKENS)


def with_channels(tokenizer: Tokenizer) -> Tokenizer:
    """The same tokenizer with the channel tokens appended (ids after the existing ones, so
    every old id keeps its meaning). A tokenizer that has them already is returned as is."""
    if has_channels(tokenizer):
        return tokenizer
    specials = tokenizer.special_tokens + CHANNEL_TOKENS
    return Tokenizer.from_ranks(dict(tokenizer.enc._mergeable_ranks), tokenizer.enc._pat_str, specials)


@torch.no_grad()
def grow_vocab(model: GPT, vocab_size: int, seed: int = 0) -> GPT:
    """Give `model` rows for token ids up to `vocab_size` (in place; returned for chaining).

    New embedding rows are drawn like the originals (N(0, 1)); new head rows start at zero, so
    the model's predictions for the old tokens do not change until training moves them."""
    old = model.config.vocab_size
    if vocab_size <= old:
        return model
    device, dtype = model.wte.weight.device, model.wte.weight.dtype
    generator = torch.Generator().manual_seed(seed)
    extra = torch.randn(vocab_size - old, model.config.n_embd, generator=generator).to(device, dtype)
    wte = torch.nn.Embedding(vocab_size, model.config.n_embd, device=device, dtype=dtype)
    wte.weight.copy_(torch.cat([model.wte.weight, extra]))
    head = torch.nn.Linear(model.config.n_embd, vocab_size, bias=False, device=device, dtype=dtype)
    head.weight.zero_()
    head.weight[:old] = model.lm_head.weight
    model.wte, model.lm_head = wte, head
    model.config.vocab_size = vocab_size
    return model


def route(content: str | list[dict]) -> dict:
    """A generated assistant reply split by channel: {"analysis": text, "commentary": [parts],
    "final": text}. Text outside any channel counts as final."""
    out: dict = {"analysis": "", "commentary": [], "final": ""}
    for part in content_parts(content):
        channel = part.get("channel") or ("final" if part["type"] == "text" else "commentary")
        if part["type"] != "text" or channel == "commentary":
            out["commentary"].append(part)
        else:
            out[channel] += part["text"]
    return out


def display(content: str | list[dict], show_analysis: bool = False) -> str:
    """What the chat shows for a reply: the final text, after the tool calls (`[python] 2+3 ->
    5`) and, when `show_analysis` is on, the hidden reasoning (`(thinking) ...`)."""
    routed = route(content)
    lines = []
    if show_analysis and routed["analysis"].strip():
        lines.append(f"(thinking) {routed['analysis'].strip()}")
    call = None
    for part in routed["commentary"]:
        if part["type"] == "python":
            call = part["text"]
            lines.append(f"[python] {call}")
        elif part["type"] == "python_output" and call is not None:
            lines[-1] += f" -> {part['text']}"
        elif part["type"] == "text" and part["text"].strip():
            lines.append(part["text"].strip())
    lines.append(routed["final"].strip())
    return "\n".join(line for line in lines if line)
