"""Tool use in the engine: a python call is evaluated and its output forced into the sequence,
through the model, so the KV cache holds what the caller sees."""

import torch

from nanochat_track.engine import (
    chat_reply_with_tools,
    generate_tokens_with_tools,
    stream_reply,
    tool_call_demo,
)
from nanochat_track.gpt import GPT, GPTConfig
from nanochat_track.tokenizer import SPECIAL_TOKENS, SPLIT_PATTERN, Tokenizer


def byte_tokenizer() -> Tokenizer:
    """256 byte tokens and the special tokens: enough for the engine, built instantly."""
    return Tokenizer.from_ranks({bytes([i]): i for i in range(256)}, SPLIT_PATTERN)


class ScriptedModel:
    """Stands in for a GPT: the next token after each step is the next one of `script`, and
    every token fed to it is recorded (what the KV cache would hold)."""

    def __init__(self, script: list[int], vocab_size: int):
        self.script, self.fed = list(script), []
        self.config = GPTConfig(vocab_size=vocab_size, n_layer=1, n_head=1, n_kv_head=1, n_embd=4)
        self.lm_head = torch.nn.Linear(4, vocab_size, bias=False)
        self.rotary_len = 10_000

    def eval(self):
        return self

    def __call__(self, ids, kv_cache=None):
        self.fed.append(ids[0].tolist())
        kv_cache.advance(ids.size(1))
        logits = torch.full((ids.size(0), ids.size(1), self.config.vocab_size), -1e9)
        if self.script:
            logits[:, -1, self.script.pop(0)] = 0.0
        return logits


def ids_of(tok: Tokenizer, *pieces) -> list[int]:
    out = []
    for piece in pieces:
        out += [tok.special_id(piece)] if piece.startswith("<|") else tok.encode(piece)
    return out


def test_calculator_output_is_forced_and_fed_back():
    tok = byte_tokenizer()
    # The model writes "ok<|python_start|>6*7<|python_end|>", then (after the forced output,
    # during which its own choice is ignored) "!" and <|assistant_end|>.
    written = ids_of(tok, "ok", "<|python_start|>", "6*7", "<|python_end|>")
    forced = ids_of(tok, "<|output_start|>", "42", "<|output_end|>")
    script = written + [ord("x")] * len(forced) + ids_of(tok, "!", "<|assistant_end|>")
    model = ScriptedModel(script, tok.vocab_size)
    stops = {tok.special_id("<|assistant_end|>")}
    prompt = ids_of(tok, "<|bos|>", "<|assistant_start|>")
    ids, flags = generate_tokens_with_tools(model, tok, prompt, 40, temperature=0.0, stop_ids=stops)[0]
    assert ids == written + forced + ids_of(tok, "!")
    assert flags == [False] * len(written) + [True] * len(forced) + [False]
    # everything the caller sees went through the model, in order, after the prompt
    assert model.fed[0] == prompt
    assert [f[0] for f in model.fed[1:]] == ids


def test_a_refused_call_returns_the_error_as_output():
    tok = byte_tokenizer()
    script = ids_of(tok, "<|python_start|>", "x+1", "<|python_end|>") + [ord("x")] * 80
    model = ScriptedModel(script, tok.vocab_size)
    ids, _ = generate_tokens_with_tools(model, tok, [tok.bos_id], 60, temperature=0.0)[0]
    text = tok.decode(ids)
    assert "<|output_start|>error: names are not allowed ('x')" in text


def test_chat_reply_and_stream_show_the_call():
    tok = byte_tokenizer()
    script = ids_of(tok, "Let me see.", "<|python_start|>", "17*23", "<|python_end|>")
    script += [0] * len(ids_of(tok, "<|output_start|>", "391", "<|output_end|>"))
    script += ids_of(tok, "It is 391.", "<|assistant_end|>")
    messages = [{"role": "user", "content": "What is 17*23?"}]
    reply = chat_reply_with_tools(ScriptedModel(script, tok.vocab_size), tok, messages, temperature=0.0)
    assert reply == [{"type": "text", "text": "Let me see."}, {"type": "python", "text": "17*23"},
                     {"type": "python_output", "text": "391"}, {"type": "text", "text": "It is 391."}]
    pieces = list(stream_reply(ScriptedModel(script, tok.vocab_size), tok, messages, temperature=0.0))
    assert len(pieces) > 5  # streamed token by token
    assert "".join(pieces) == "Let me see.\n[python] 17*23 -> 391\nIt is 391."


def test_forced_tokens_keep_a_real_models_cache_consistent():
    """A real GPT whose first choices are overridden so that it calls the tool: after the
    forced output, its logits with the cache equal those of a full forward pass."""
    tok = byte_tokenizer()
    torch.manual_seed(0)
    gpt = GPT(GPTConfig(vocab_size=tok.vocab_size, seq_len=64, n_layer=2, n_head=2, n_kv_head=1, n_embd=32))
    with torch.no_grad():
        for p in gpt.parameters():
            if p.abs().sum() == 0:
                p.normal_(std=0.05)
    gpt.eval()
    override = ids_of(tok, "<|python_start|>", "2+3", "<|python_end|>")
    seen_logits = []

    class Steered:
        config, lm_head, rotary_len = gpt.config, gpt.lm_head, gpt.rotary_len

        def eval(self):
            return self

        def __call__(self, ids, kv_cache=None):
            logits = gpt(ids, kv_cache=kv_cache)
            seen_logits.append(logits[0, -1].clone())
            if override:
                logits = logits.clone()
                logits[:, -1, override.pop(0)] = 1e4
            return logits

    prompt = [tok.bos_id, *tok.encode("hi")]
    ids, flags = generate_tokens_with_tools(Steered(), tok, prompt, 12, temperature=0.0)[0]
    assert tok.decode(ids).startswith("<|python_start|>2+3<|python_end|><|output_start|>5<|output_end|>")
    assert sum(flags) == 3
    full = gpt(torch.tensor([prompt + ids[:-1]]))[0, -1]
    assert torch.allclose(seen_logits[-1], full, atol=1e-4)


def test_stream_hides_the_analysis_unless_asked():
    tok = Tokenizer.from_ranks({bytes([i]): i for i in range(256)},
                               SPLIT_PATTERN, [*SPECIAL_TOKENS, "<|analysis|>", "<|commentary|>", "<|final|>"])
    script = ids_of(tok, "<|analysis|>", "r-r: 2", "<|final|>", "Two.", "<|assistant_end|>")
    messages = [{"role": "user", "content": "r in rr?"}]
    hidden = "".join(stream_reply(ScriptedModel(script, tok.vocab_size), tok, messages, temperature=0.0,
                                  channels=True))
    shown = "".join(stream_reply(ScriptedModel(script, tok.vocab_size), tok, messages, temperature=0.0,
                                 channels=True, show_analysis=True))
    assert hidden == "Two." and shown == "(thinking) r-r: 2\nTwo."


def test_tool_call_demo_reports_the_first_reply_with_a_call():
    tok = byte_tokenizer()
    script = ids_of(tok, "<|python_start|>", "6*7", "<|python_end|>") + [0] * 4 + ids_of(tok, "<|assistant_end|>")

    class Model(ScriptedModel):
        def __call__(self, ids, kv_cache=None):
            if ids.size(1) > 1:  # a new prompt: the script starts again
                self.script = list(script)
            return super().__call__(ids, kv_cache)

    demo = tool_call_demo(Model(script, tok.vocab_size), tok, ["What is 6*7?"])
    assert demo["calls"] == [["6*7", "42"]] and demo["asked"] == 1 and demo["attempt"] == 0
    assert demo["shown"] == "[python] 6*7 -> 42" and demo["forced_tokens"] == 4
