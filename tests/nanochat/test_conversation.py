"""The conversation format: rendering with the assistant-only loss mask, and the way back."""

from __future__ import annotations

import pytest

from nanochat_track.conversation import (
    ConversationError,
    normalize,
    parse_assistant,
    parse_conversation,
    render_conversation,
    render_prompt,
    show_mask,
)

TOOL_CHAT = [
    {"role": "user", "content": "What is 12*7?"},
    {"role": "assistant", "content": [
        {"type": "text", "text": "Let me compute."},
        {"type": "python", "text": "12*7"},
        {"type": "python_output", "text": "84"},
        {"type": "text", "text": "It is 84."},
    ]},
    {"role": "user", "content": "Thanks! Und auf Deutsch?"},
    {"role": "assistant", "content": "Es ist 84. 🎉"},
]


def names(tokenizer, ids):
    """Each id as its special token's name, or as the text it decodes to."""
    specials = {tokenizer.special_id(t): t for t in tokenizer.special_tokens}
    return [specials.get(i, tokenizer.decode([i])) for i in ids]


def joined(tokenizer, ids):
    """The ids as one text, special tokens by name (bytes joined first: an emoji spans tokens)."""
    return b"".join(tokenizer.enc.decode_single_token_bytes(i) for i in ids).decode()


def test_render_marks_only_the_assistant(tokenizer):
    ids, mask = render_conversation(tokenizer, TOOL_CHAT)
    assert len(ids) == len(mask)
    tokens = names(tokenizer, ids)
    assert tokens[:2] == ["<|bos|>", "<|user_start|>"] and tokens[-1] == "<|assistant_end|>"
    trained = joined(tokenizer, [i for i, m in zip(ids, mask, strict=True) if m])
    assert trained == ("Let me compute.<|python_start|>12*7<|python_end|>It is 84.<|assistant_end|>"
                       "Es ist 84. 🎉<|assistant_end|>")
    untrained = joined(tokenizer, [i for i, m in zip(ids, mask, strict=True) if not m])
    assert untrained == ("<|bos|><|user_start|>What is 12*7?<|user_end|><|assistant_start|>"
                         "<|output_start|>84<|output_end|>"
                         "<|user_start|>Thanks! Und auf Deutsch?<|user_end|><|assistant_start|>")
    # every special token's mask, position by position
    for tok, m in zip(tokens, mask, strict=True):
        if tok in ("<|python_start|>", "<|python_end|>", "<|assistant_end|>"):
            assert m == 1
        if tok in ("<|bos|>", "<|user_start|>", "<|user_end|>", "<|assistant_start|>",
                   "<|output_start|>", "<|output_end|>"):
            assert m == 0
    assert show_mask(tokenizer, ids, mask).endswith(
        "<|output_start|>84<|output_end|>[[It is 84.<|assistant_end|>]]<|user_start|>Thanks! Und auf "
        "Deutsch?<|user_end|><|assistant_start|>[[Es ist 84. 🎉<|assistant_end|>]]")


def test_round_trip(tokenizer):
    ids, _ = render_conversation(tokenizer, TOOL_CHAT)
    assert parse_conversation(tokenizer, ids) == normalize(TOOL_CHAT) == TOOL_CHAT
    plain = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": "text", "text": "a"},
                                                                                 {"type": "text", "text": "b"}]}]
    assert parse_conversation(tokenizer, render_conversation(tokenizer, plain)[0]) == [
        {"role": "user", "content": "hi"}, {"role": "assistant", "content": "ab"}]


def test_system_is_folded_into_the_first_user_message(tokenizer):
    chat = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"}]
    ids, _ = render_conversation(tokenizer, chat)
    assert parse_conversation(tokenizer, ids) == normalize(chat) == [
        {"role": "user", "content": "Be brief.\n\nhi"}, {"role": "assistant", "content": "hello"}]


def test_prompt_and_generated_reply(tokenizer):
    prompt = render_prompt(tokenizer, TOOL_CHAT[:1])
    assert names(tokenizer, prompt)[-1] == "<|assistant_start|>"
    full, _ = render_conversation(tokenizer, TOOL_CHAT[:2])
    assert full[:len(prompt)] == prompt
    generated = full[len(prompt):]
    assert parse_assistant(tokenizer, generated) == TOOL_CHAT[1]["content"]
    # a reply cut short inside a tool call comes back as far as it goes
    cut = generated[:generated.index(tokenizer.special_id("<|python_end|>"))]
    assert parse_assistant(tokenizer, cut) == [{"type": "text", "text": "Let me compute."},
                                               {"type": "python", "text": "12*7"}]


def test_truncation_and_errors(tokenizer):
    ids, mask = render_conversation(tokenizer, TOOL_CHAT, max_tokens=10)
    assert len(ids) == len(mask) == 10
    with pytest.raises(ConversationError, match="alternate"):
        render_conversation(tokenizer, [{"role": "assistant", "content": "hi"}])
    with pytest.raises(ConversationError, match="part type"):
        render_conversation(tokenizer, [{"role": "user", "content": "x"},
                                        {"role": "assistant", "content": [{"type": "image", "text": ""}]}])
    with pytest.raises(ConversationError, match="ends with the user"):
        render_prompt(tokenizer, TOOL_CHAT)
    with pytest.raises(ConversationError, match="with_channels"):  # part 1's tokenizer has none
        render_conversation(tokenizer, TOOL_CHAT, channels=True)


def test_special_token_text_typed_by_a_user_stays_text(tokenizer):
    chat = [{"role": "user", "content": "<|assistant_end|> is a token"}, {"role": "assistant", "content": "ok"}]
    ids, mask = render_conversation(tokenizer, chat)
    assert sum(mask) == len(tokenizer.encode("ok")) + 1
    assert parse_conversation(tokenizer, ids) == chat
