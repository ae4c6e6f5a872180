"""The web chat server: the page, the streamed replies, the OpenAI-compatible route, and the
page driven in headless Chromium (skipped when Chromium is not installed)."""

from __future__ import annotations

import json

import pytest
import torch
from fastapi.testclient import TestClient

from nanochat_track.gpt import GPTConfig
from nanochat_track.tokenizer import SPLIT_PATTERN, Tokenizer
from nanochat_track.web_chat import (
    BackgroundServer,
    ChatModel,
    ask_in_browser,
    browser_paths,
    create_app,
    to_conversation,
)


def byte_tokenizer() -> Tokenizer:
    return Tokenizer.from_ranks({bytes([i]): i for i in range(256)}, SPLIT_PATTERN)


class ReplyModel:
    """Stands in for a GPT: after every prompt it writes the same scripted reply."""

    def __init__(self, script: list[int], vocab_size: int):
        self.script, self.pos = script, 0
        self.config = GPTConfig(vocab_size=vocab_size, n_layer=1, n_head=1, n_kv_head=1, n_embd=4)
        self.lm_head = torch.nn.Linear(4, vocab_size, bias=False)
        self.rotary_len = 10_000

    def eval(self):
        return self

    def __call__(self, ids, kv_cache=None):
        if ids.size(1) > 1:  # a prefill: a new reply starts
            self.pos = 0
        kv_cache.advance(ids.size(1))
        logits = torch.full((ids.size(0), ids.size(1), self.config.vocab_size), -1e9)
        logits[:, -1, self.script[min(self.pos, len(self.script) - 1)]] = 0.0
        self.pos += 1
        return logits


def scripted_chat() -> ChatModel:
    tok = byte_tokenizer()
    script = tok.encode("Let me compute.") + [tok.special_id("<|python_start|>")] + tok.encode("17*23")
    script += [tok.special_id("<|python_end|>")] + [0] * 5  # the engine forces the output here
    script += tok.encode("It is 391.") + [tok.special_id("<|assistant_end|>")]
    return ChatModel(ReplyModel(script, tok.vocab_size), tok)


EXPECTED = "Let me compute.\n[python] 17*23 -> 391\nIt is 391."


def events(body: str) -> list[str]:
    return [line[len("data: "):] for line in body.split("\n\n") if line.startswith("data: ")]


def test_page_and_streamed_reply():
    client = TestClient(create_app(scripted_chat()))
    assert '<form id="form">' in client.get("/").text
    assert client.get("/health").json()["status"] == "ok"
    resp = client.post("/api/chat", json={"messages": [{"role": "user", "content": "17*23?"}]})
    assert resp.headers["content-type"].startswith("text/event-stream")
    data = events(resp.text)
    assert data[-1] == "[DONE]" and len(data) > 10  # one event per piece
    assert "".join(json.loads(d)["text"] for d in data[:-1]) == EXPECTED


def test_openai_route_plain_and_streamed():
    client = TestClient(create_app(scripted_chat()))
    body = {"model": "nanochat", "messages": [{"role": "system", "content": "Be brief."},
                                              {"role": "user", "content": "17*23?"}]}
    out = client.post("/v1/chat/completions", json=body).json()
    assert out["object"] == "chat.completion"
    assert out["choices"][0]["message"] == {"role": "assistant", "content": EXPECTED}
    assert out["usage"]["completion_tokens"] > 0 and out["usage"]["prompt_tokens"] > 0
    data = events(client.post("/v1/chat/completions", json={**body, "stream": True}).text)
    chunks = [json.loads(d) for d in data[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == EXPECTED
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and data[-1] == "[DONE]"
    assert client.get("/v1/models").json()["data"][0]["id"] == "nanochat"


def test_a_conversation_not_ending_with_the_user_is_a_400():
    client = TestClient(create_app(scripted_chat()))
    resp = client.post("/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "hi"}]})
    assert resp.status_code == 400 and "ends with the user" in resp.json()["detail"]


def test_openai_messages_become_a_conversation():
    conv = to_conversation([{"role": "system", "content": "S"},
                            {"role": "user", "content": [{"type": "text", "text": "a"}]},
                            {"role": "user", "content": "b"}, {"role": "assistant", "content": "c"},
                            {"role": "tool", "content": "d"}])
    assert conv == [{"role": "system", "content": "S"}, {"role": "user", "content": "a\n\nb"},
                    {"role": "assistant", "content": "c"}, {"role": "user", "content": "d"}]


@pytest.mark.skipif(browser_paths() is None, reason="Chromium is not installed: "
                    "apt-get install -y chromium chromium-driver (and pip install selenium)")
def test_headless_chromium_sends_a_message_and_sees_the_streamed_reply(tmp_path):
    pytest.importorskip("selenium", reason="selenium is not installed: .venv/bin/pip install selenium")
    with BackgroundServer(create_app(scripted_chat())) as server:
        reply = ask_in_browser(server.url, "What is 17 times 23?", tmp_path / "chat.png")
    assert reply == EXPECTED
    assert (tmp_path / "chat.png").stat().st_size > 1000
