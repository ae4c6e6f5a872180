"""Conversations as tokens, and tokens back as conversations.

A conversation is a list of messages, {"role": "user" | "assistant" | "system", "content": ...}.
The content is a string, or for the assistant a list of parts:

    {"type": "text", "text": "Let me compute that."}
    {"type": "python", "text": "12*7"}            # the assistant calls the calculator
    {"type": "python_output", "text": "84"}       # what the tool answered (the engine forces it)

A part may name its channel: "analysis" (hidden reasoning), "commentary" (tool calls) or
"final" (what the user sees). Rendered with `channels=True` (the option of channels.py; the
tokenizer then has the three channel tokens), the channel's token is written each time the
channel changes, and parts without one take a default (python parts commentary, text final).
Rendered without, the channels are ignored: the same data trains a model with or without them.

Rendered, a two-turn conversation reads (one token per <|...|>):

    <|bos|><|user_start|>What is 12*7?<|user_end|>
    <|assistant_start|>Let me compute.<|python_start|>12*7<|python_end|>
    <|output_start|>84<|output_end|>It is 84.<|assistant_end|>

The loss mask is 1 on exactly the tokens the assistant must learn to produce: its text, its
python calls (start, expression, end) and <|assistant_end|>. It is 0 on <|bos|>, the user's
turns, <|assistant_start|> (the prompt gives it) and the tool's output (the engine writes it).
A system message has no tokens of its own: it is put in front of the first user message.
"""

from __future__ import annotations

from shared.errors import AgentlabError

PART_TYPES = ("text", "python", "python_output")
CHANNELS = ("analysis", "commentary", "final")


class ConversationError(AgentlabError):
    """A conversation that cannot be rendered; the message says what is wrong with it."""


def channel_token(channel: str) -> str:
    """The special token that opens `channel`: "<|analysis|>", "<|commentary|>", "<|final|>"."""
    return f"<|{channel}|>"


def content_parts(content: str | list[dict]) -> list[dict]:
    """The content as a list of parts (a string is one text part)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    for part in content:
        if part.get("type") not in PART_TYPES:
            raise ConversationError(f"unknown part type {part.get('type')!r}: use one of "
                                    f"{', '.join(PART_TYPES)}.")
        if part.get("channel") not in (None, *CHANNELS):
            raise ConversationError(f"unknown channel {part['channel']!r}: use one of {', '.join(CHANNELS)}.")
    return list(content)


def merge_system(messages: list[dict]) -> list[dict]:
    """The conversation with a leading system message folded into the first user message."""
    if not messages or messages[0]["role"] != "system":
        return list(messages)
    system, rest = messages[0], list(messages[1:])
    if not rest or rest[0]["role"] != "user":
        raise ConversationError("a system message must be followed by a user message.")
    rest[0] = {"role": "user", "content": f"{system['content']}\n\n{rest[0]['content']}"}
    return rest


def check_roles(messages: list[dict]) -> None:
    """Users and the assistant take turns, the user first."""
    for i, msg in enumerate(messages):
        want = "user" if i % 2 == 0 else "assistant"
        if msg.get("role") != want:
            raise ConversationError(f"message {i} has role {msg.get('role')!r}, expected {want!r}: "
                                    "turns alternate user, assistant, user, ... (a system message "
                                    "may come first).")


def default_channel(part: dict) -> str:
    """The part's channel, or its default: tool calls and outputs commentary, text final."""
    return part.get("channel") or ("final" if part["type"] == "text" else "commentary")


def render_conversation(tokenizer, messages: list[dict], max_tokens: int | None = None,
                        channels: bool = False) -> tuple[list[int], list[int]]:
    """(ids, mask) for a whole conversation; mask[i] is 1 where ids[i] is the assistant's.

    `max_tokens` cuts both lists to that length (a conversation longer than the context);
    `channels` writes the channel tokens (see the module's docstring)."""
    messages = merge_system(messages)
    check_roles(messages)
    ids: list[int] = []
    mask: list[int] = []

    def add(tokens: list[int] | int, train: int) -> None:
        tokens = [tokens] if isinstance(tokens, int) else tokens
        ids.extend(tokens)
        mask.extend([train] * len(tokens))

    special = tokenizer.special_id
    add(tokenizer.bos_id, 0)
    for msg in messages:
        if msg["role"] == "user":
            if not isinstance(msg["content"], str):
                raise ConversationError("a user message's content is a string.")
            add(special("<|user_start|>"), 0)
            add(tokenizer.encode(msg["content"]), 0)
            add(special("<|user_end|>"), 0)
            continue
        add(special("<|assistant_start|>"), 0)
        channel = None
        for part in content_parts(msg["content"]):
            if channels and default_channel(part) != channel:
                channel = default_channel(part)
                add(_channel_id(tokenizer, channel), 1)
            text_ids = tokenizer.encode(part["text"])
            if part["type"] == "text":
                add(text_ids, 1)
            elif part["type"] == "python":
                add([special("<|python_start|>"), *text_ids, special("<|python_end|>")], 1)
            else:  # python_output: the engine forces these tokens, the model never predicts them
                add([special("<|output_start|>"), *text_ids, special("<|output_end|>")], 0)
        add(special("<|assistant_end|>"), 1)
    if max_tokens is not None:
        ids, mask = ids[:max_tokens], mask[:max_tokens]
    return ids, mask


def render_prompt(tokenizer, messages: list[dict], channels: bool = False) -> list[int]:
    """The ids that ask for the assistant's next reply: the conversation (ending with a user
    message) then <|assistant_start|>."""
    messages = merge_system(messages)
    if not messages or messages[-1]["role"] != "user":
        raise ConversationError("a prompt ends with the user's message.")
    ids, _ = render_conversation(tokenizer, messages, channels=channels)
    return [*ids, tokenizer.special_id("<|assistant_start|>")]


def _channel_id(tokenizer, channel: str) -> int:
    try:
        return tokenizer.special_id(channel_token(channel))
    except KeyError:
        raise ConversationError(f"rendering with channels needs the {channel_token(channel)} token, which "
                                "this tokenizer lacks: add the channel tokens with "
                                "channels.with_channels(tokenizer) (the --channels=1 option does).") from None


# -- the reverse: tokens to a conversation ---------------------------------------------------
def parse_assistant(tokenizer, ids: list[int]) -> str | list[dict]:
    """The content of one assistant turn from its ids (after <|assistant_start|>, up to and
    without <|assistant_end|>): a string when it is plain text, else a list of parts."""
    specials = {tokenizer.special_id(t): t for t in tokenizer.special_tokens}
    parts: list[dict] = []
    channel = None
    kind = "text"  # the part being read
    buffer: list[int] = []

    def flush(part_type: str) -> None:
        if buffer or part_type != "text":
            part = {"type": part_type, "text": tokenizer.decode(buffer)}
            if channel:
                part["channel"] = channel
            parts.append(part)
        buffer.clear()

    for tok in ids:
        name = specials.get(tok)
        if name is None:
            buffer.append(tok)
        elif name == "<|assistant_end|>":
            break
        elif name in ("<|python_start|>", "<|output_start|>"):
            flush(kind)
            kind = "python" if name == "<|python_start|>" else "python_output"
        elif name in ("<|python_end|>", "<|output_end|>"):
            flush(kind)
            kind = "text"
        elif name in {channel_token(c) for c in CHANNELS}:
            flush(kind)
            kind, channel = "text", name[2:-2]
        # any other special token inside a reply (a stray <|user_start|>) is dropped
    if buffer or kind != "text":
        flush(kind)
    return simplify(parts)


def simplify(parts: list[dict]) -> str | list[dict]:
    """Adjacent text parts of the same channel merged; a lone channel-less text part as a string."""
    merged: list[dict] = []
    for part in parts:
        last = merged[-1] if merged else None
        if (last and part["type"] == "text" and last["type"] == "text"
                and last.get("channel") == part.get("channel")):
            last["text"] += part["text"]
        else:
            merged.append(dict(part))
    if not merged:
        return ""
    if len(merged) == 1 and merged[0]["type"] == "text" and "channel" not in merged[0]:
        return merged[0]["text"]
    return merged


def parse_conversation(tokenizer, ids: list[int]) -> list[dict]:
    """The messages that `ids` hold (the reverse of render_conversation). A last assistant
    turn without its <|assistant_end|> (a generation cut short) is returned as far as it goes."""
    user_start, user_end = tokenizer.special_id("<|user_start|>"), tokenizer.special_id("<|user_end|>")
    assistant_start = tokenizer.special_id("<|assistant_start|>")
    assistant_end = tokenizer.special_id("<|assistant_end|>")
    messages: list[dict] = []
    i = 0
    while i < len(ids):
        if ids[i] == user_start:
            end = _index(ids, user_end, i + 1)
            messages.append({"role": "user", "content": tokenizer.decode(ids[i + 1:end])})
            i = end + 1
        elif ids[i] == assistant_start:
            end = _index(ids, assistant_end, i + 1)
            messages.append({"role": "assistant", "content": parse_assistant(tokenizer, ids[i + 1:end])})
            i = end + 1
        else:  # <|bos|>, or anything between turns
            i += 1
    return messages


def _index(ids: list[int], token: int, start: int) -> int:
    """Position of `token` in ids from `start`, or len(ids) when it is not there."""
    try:
        return ids.index(token, start)
    except ValueError:
        return len(ids)


def normalize(messages: list[dict], channels: bool = False) -> list[dict]:
    """The conversation as parse_conversation would give it back: system folded in, channels
    dropped (or, with `channels`, filled in with their defaults), each assistant content
    simplified. Rendering then parsing a conversation gives its normalize."""
    out = []
    for msg in merge_system(messages):
        content = msg["content"]
        if msg["role"] == "assistant":
            parts = []
            for part in content_parts(content):
                plain = {"type": part["type"], "text": part["text"]}
                if channels:
                    plain["channel"] = default_channel(part)
                parts.append(plain)
            content = simplify(parts)
        out.append({"role": msg["role"], "content": content})
    return out


def show_mask(tokenizer, ids: list[int], mask: list[int]) -> str:
    """The rendered conversation as text, with the trained tokens (mask 1) in [[...]]."""
    out, run, state = [], [], 0
    for tok, m in zip(ids, mask, strict=True):
        if m != state and run:
            text = tokenizer.decode(run)
            out.append(f"[[{text}]]" if state else text)
            run = []
        state = m
        run.append(tok)
    if run:
        text = tokenizer.decode(run)
        out.append(f"[[{text}]]" if state else text)
    return "".join(out)
