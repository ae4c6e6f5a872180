"""Channels: the extra tokens (only when asked), the format, routing, and the show/hide switch."""

from __future__ import annotations

import torch

from nanochat_track.channels import (
    CHANNEL_TOKENS,
    display,
    grow_vocab,
    has_channels,
    route,
    with_channels,
)
from nanochat_track.conversation import (
    normalize,
    parse_assistant,
    parse_conversation,
    render_conversation,
)
from nanochat_track.gpt import GPT, GPTConfig
from nanochat_track.tokenizer import SPECIAL_TOKENS, Tokenizer

REASONING = [
    {"role": "user", "content": "How many r's in strawberry?"},
    {"role": "assistant", "content": [
        {"type": "text", "text": "s-t-r-a-w-b-e-r-r-y: r at 3, 8, 9.", "channel": "analysis"},
        {"type": "python", "text": "'strawberry'.count('r')"},
        {"type": "python_output", "text": "3"},
        {"type": "text", "text": "There are 3 r's."},
    ]},
]


def test_tokens_are_added_only_when_asked(tokenizer, tmp_path):
    assert not has_channels(tokenizer) and tokenizer.special_tokens == SPECIAL_TOKENS
    chan = with_channels(tokenizer)
    assert has_channels(chan) and chan.vocab_size == tokenizer.vocab_size + 3
    assert with_channels(chan) is chan
    text = "def f(x):\n    return x  # é"
    assert chan.encode(text) == tokenizer.encode(text)
    assert all(chan.special_id(t) == tokenizer.special_id(t) for t in SPECIAL_TOKENS)
    assert [chan.special_id(t) for t in CHANNEL_TOKENS] == list(range(tokenizer.vocab_size, chan.vocab_size))
    again = Tokenizer.load(chan.save(tmp_path / "tok"))  # the channel tokens survive save/load
    assert again.special_tokens == chan.special_tokens
    assert Tokenizer.load(tokenizer.save(tmp_path / "plain")).vocab_size == tokenizer.vocab_size


def test_rendering_with_and_without_channels(tokenizer):
    chan = with_channels(tokenizer)
    ids, mask = render_conversation(chan, REASONING, channels=True)
    specials = {chan.special_id(t): t for t in chan.special_tokens}
    marked = [specials[i] for i in ids if specials.get(i) in CHANNEL_TOKENS]
    assert marked == ["<|analysis|>", "<|commentary|>", "<|final|>"]
    assert all(m == 1 for i, m in zip(ids, mask, strict=True) if specials.get(i) in CHANNEL_TOKENS)
    parsed = parse_conversation(chan, ids)
    assert parsed == normalize(REASONING, channels=True)
    assert parsed[1]["content"][1] == {"type": "python", "text": "'strawberry'.count('r')", "channel": "commentary"}
    # without the option, the same data renders as plain text, no channel tokens
    plain, _ = render_conversation(chan, REASONING)
    assert not set(plain) & {chan.special_id(t) for t in CHANNEL_TOKENS}
    assert parse_conversation(chan, plain) == normalize(REASONING)


def test_routing_and_the_show_analysis_switch(tokenizer):
    chan = with_channels(tokenizer)
    ids, _ = render_conversation(chan, REASONING, channels=True)
    start = ids.index(chan.special_id("<|assistant_start|>"))
    reply = parse_assistant(chan, ids[start + 1:])
    routed = route(reply)
    assert routed["analysis"] == "s-t-r-a-w-b-e-r-r-y: r at 3, 8, 9."
    assert routed["final"] == "There are 3 r's."
    assert [p["type"] for p in routed["commentary"]] == ["python", "python_output"]
    hidden = display(reply)
    assert hidden == "[python] 'strawberry'.count('r') -> 3\nThere are 3 r's."
    shown = display(reply, show_analysis=True)
    assert shown.startswith("(thinking) s-t-r-a-w") and shown.endswith("There are 3 r's.")
    assert display("plain text reply") == "plain text reply"


def test_grow_vocab_keeps_old_predictions():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=50, seq_len=16, n_layer=1, n_head=2, n_kv_head=1, n_embd=32))
    with torch.no_grad():
        model.lm_head.weight.normal_(std=0.1)
    x = torch.randint(0, 50, (1, 8))
    before = model(x)
    grow_vocab(model, 53)
    after = model(x)
    assert after.shape == (1, 8, 53) and model.config.vocab_size == 53
    assert torch.allclose(after[..., :50], before, atol=1e-6)
    assert model(torch.tensor([[51, 52]])).shape == (1, 2, 53)
