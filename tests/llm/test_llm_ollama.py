"""The Ollama backend against a local server speaking Ollama's documented wire format."""

from __future__ import annotations

import json

import pytest
from llm_fakes import MODEL, FakeOllama, chat_reply, free_port

from shared.llm import (
    BackendUnavailable,
    LLMError,
    LLMTimeout,
    ModelNotFound,
    ServerError,
)
from shared.llm.ollama_backend import OllamaBackend

USER = [{"role": "user", "content": "Say hello"}]
SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
TOOLS = [{
    "type": "function",
    "function": {
        "name": "read_file",
        "description": "Read a file",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}},
                       "required": ["path"]},
    },
}]


def backend_for(server_host: str, sleeps: list[float] | None = None, **kwargs) -> OllamaBackend:
    llm = OllamaBackend(host=server_host, model=MODEL, num_ctx=4096, **kwargs)
    llm.sleep = (sleeps.append if sleeps is not None else (lambda _s: None))
    return llm


def test_plain_chat_returns_content_usage_and_sends_num_ctx(fake_ollama: FakeOllama):
    llm = backend_for(fake_ollama.host)
    reply = llm.chat(USER, temperature=0, max_tokens=50, seed=7)
    assert reply.content == "Hello!"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (12, 3)
    assert reply.backend == "ollama" and reply.model == MODEL and reply.finish_reason == "stop"
    body = fake_ollama.chat_bodies()[0]
    assert body["model"] == MODEL and body["stream"] is False
    assert body["messages"] == USER
    # num_ctx is always sent: Ollama's small default would silently cut longer prompts.
    assert body["options"] == {"num_ctx": 4096, "temperature": 0, "num_predict": 50, "seed": 7}
    assert llm.usage.calls == 1 and llm.usage.prompt_tokens == 12 and llm.usage.retries == 0


def test_tool_call_arguments_object_becomes_dict(fake_ollama: FakeOllama):
    call = {"function": {"name": "read_file", "arguments": {"path": "main.py"}}}
    fake_ollama.reply({"body": chat_reply("", tool_calls=[call])})
    reply = backend_for(fake_ollama.host).chat(USER, tools=TOOLS)
    assert reply.finish_reason == "tool_calls"
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [("read_file", {"path": "main.py"})]
    sent = fake_ollama.chat_bodies()[0]["tools"]
    assert sent[0]["function"]["name"] == "read_file"
    assert sent[0]["function"]["parameters"]["required"] == ["path"]


def test_tool_call_history_is_sent_with_object_arguments(fake_ollama: FakeOllama):
    history = USER + [
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "c1", "type": "function",
             "function": {"name": "read_file", "arguments": '{"path": "a.py"}'}}]},
        {"role": "tool", "name": "read_file", "content": "print(1)"},
    ]
    backend_for(fake_ollama.host).chat(history)
    sent = fake_ollama.chat_bodies()[0]["messages"]
    assert sent[1]["tool_calls"][0]["function"]["arguments"] == {"path": "a.py"}
    assert sent[2]["tool_name"] == "read_file"


def test_format_is_passed_through(fake_ollama: FakeOllama):
    llm = backend_for(fake_ollama.host)
    llm.chat(USER, response_format={"type": "json_object", "schema": SCHEMA})
    llm.chat(USER, response_format={"type": "json_object"})
    llm.chat(USER)
    first, second, third = fake_ollama.chat_bodies()
    assert first["format"] == SCHEMA
    assert second["format"] == "json"
    assert "format" not in third
    assert all(b["options"]["num_ctx"] == 4096 for b in (first, second, third))


def test_model_not_found_is_not_retried_and_says_pull(fake_ollama: FakeOllama):
    fake_ollama.reply({"status": 404, "body": {"error": f"model '{MODEL}' not found"}})
    llm = backend_for(fake_ollama.host)
    with pytest.raises(ModelNotFound) as caught:
        llm.chat(USER)
    assert f"ollama pull {MODEL}" in str(caught.value)
    assert len(fake_ollama.chat_bodies()) == 1 and llm.usage.retries == 0


def test_server_error_is_retried_then_succeeds(fake_ollama: FakeOllama, no_sleep: list[float]):
    fake_ollama.reply({"status": 500, "body": {"error": "boom"}},
                      {"status": 503, "body": {"error": "loading"}})
    llm = backend_for(fake_ollama.host, no_sleep, max_retries=3)
    assert llm.chat(USER).content == "Hello!"
    assert llm.usage.retries == 2 and len(no_sleep) == 2
    assert len(fake_ollama.chat_bodies()) == 3


def test_server_error_gives_up_after_max_retries(fake_ollama: FakeOllama, no_sleep: list[float]):
    fake_ollama.reply(*[{"status": 500, "body": {"error": "out of memory"}}] * 3)
    llm = backend_for(fake_ollama.host, no_sleep, max_retries=2)
    with pytest.raises(ServerError) as caught:
        llm.chat(USER)
    assert "out of memory" in str(caught.value)
    assert len(fake_ollama.chat_bodies()) == 3 and llm.usage.retries == 2


def test_rate_limit_waits_retry_after(fake_ollama: FakeOllama, no_sleep: list[float]):
    fake_ollama.reply({"status": 429, "body": {"error": "too many requests"},
                       "headers": {"Retry-After": "2"}})
    llm = backend_for(fake_ollama.host, no_sleep)
    assert llm.chat(USER).content == "Hello!"
    assert no_sleep == [2.0] and llm.usage.retries == 1


def test_slow_reply_times_out(fake_ollama: FakeOllama, no_sleep: list[float]):
    fake_ollama.reply({"delay": 1.5}, {"delay": 1.5})
    llm = backend_for(fake_ollama.host, no_sleep, max_retries=1)
    with pytest.raises(LLMTimeout) as caught:
        llm.chat(USER, timeout=0.3)
    assert "0.3 s" in str(caught.value)
    assert llm.usage.retries == 1


def test_connection_refused_names_host_and_ollama_serve(no_sleep: list[float]):
    host = f"http://127.0.0.1:{free_port()}"
    llm = backend_for(host, no_sleep, max_retries=2)
    with pytest.raises(BackendUnavailable) as caught:
        llm.chat(USER)
    message = str(caught.value)
    assert host in message and "`ollama serve`" in message and "AGENTLAB_BACKEND=embedded" in message
    assert llm.usage.retries == 2
    assert not llm.is_available() and not llm.has_model()


def test_server_stopped_mid_call_gives_clear_error(fake_ollama: FakeOllama, no_sleep):
    fake_ollama.reply({"stop_server": True})
    llm = backend_for(fake_ollama.host, no_sleep, max_retries=2)
    with pytest.raises(LLMError) as caught:
        llm.chat(USER)
    # The first attempt sees the connection drop; the retries then find nothing listening.
    assert isinstance(caught.value, BackendUnavailable)
    assert "`ollama serve`" in str(caught.value) and fake_ollama.host in str(caught.value)
    assert len(fake_ollama.chat_bodies()) == 1 and llm.usage.retries == 2


def test_connection_dropped_mid_reply_without_retries(fake_ollama: FakeOllama):
    fake_ollama.reply({"stop_server": True})
    with pytest.raises(BackendUnavailable, match="broke off mid-reply"):
        backend_for(fake_ollama.host, max_retries=0).chat(USER)


def stream_parts(*pieces: str) -> list[dict]:
    parts = [{"model": MODEL, "message": {"role": "assistant", "content": p}, "done": False}
             for p in pieces]
    return parts + [{**chat_reply(""), "done": True}]


def test_stream_yields_pieces(fake_ollama: FakeOllama):
    fake_ollama.reply({"stream": stream_parts("Hel", "lo", "!")})
    pieces = list(backend_for(fake_ollama.host).stream(USER, max_tokens=5))
    assert pieces == ["Hel", "lo", "!"]
    body = fake_ollama.chat_bodies()[0]
    assert body["stream"] is True and body["options"]["num_ctx"] == 4096


def test_stream_counts_usage_and_retries_before_the_first_piece(fake_ollama: FakeOllama,
                                                                no_sleep: list[float]):
    fake_ollama.reply({"status": 503, "body": {"error": "loading"}},
                      {"stream": stream_parts("Hel", "lo")})
    llm = backend_for(fake_ollama.host, no_sleep, max_retries=2)
    assert "".join(llm.stream(USER)) == "Hello"
    assert llm.usage.retries == 1 and llm.usage.calls == 1
    assert (llm.usage.prompt_tokens, llm.usage.completion_tokens) == (12, 3)  # the last part's


def test_error_object_mid_stream_is_server_error(fake_ollama: FakeOllama):
    parts = stream_parts("Hel")[:1] + [{"error": "model runner has unexpectedly stopped"}]
    fake_ollama.reply({"stream": parts})
    pieces: list[str] = []
    with pytest.raises(ServerError, match="unexpectedly stopped"):
        for piece in backend_for(fake_ollama.host).stream(USER):
            pieces.append(piece)
    assert pieces == ["Hel"]


def test_stream_cut_off_is_clear_error(fake_ollama: FakeOllama):
    fake_ollama.reply({"stream": stream_parts("a", "b", "c"), "cut_after": 2})
    with pytest.raises(BackendUnavailable, match="mid-reply"):
        list(backend_for(fake_ollama.host).stream(USER))


def test_list_models_and_availability(fake_ollama: FakeOllama):
    llm = backend_for(fake_ollama.host)
    assert llm.list_models() == [MODEL]
    assert llm.is_available() and llm.has_model()
    other = OllamaBackend(host=fake_ollama.host, model="llama3.2")
    assert other.is_available() and not other.has_model()
    fake_ollama.models.append("llama3.2:latest")
    assert other.has_model()


# A total deadline per call: a server that trickles its reply -----------------------------
# The server sends a byte every 0.3 s, well within the 1 s timeout of each read: only a limit on
# the whole call ends it (without one the reply below takes about 20 s to arrive in full).
SHORT_REPLY = (json.dumps({"model": MODEL, "message": {"role": "assistant", "content": "hi"},
                           "done": True}) + "\n").encode()


def test_trickled_reply_is_cut_at_the_call_deadline(trickling):
    server = trickling(SHORT_REPLY, interval_s=0.3)
    llm = backend_for(server.url, max_retries=0)
    with pytest.raises(LLMTimeout, match="did not finish its reply within 1 s"):
        llm.chat(USER, timeout=1.0)
    assert server.sent[0] < len(SHORT_REPLY)  # it hung up long before the reply was complete


def test_trickled_stream_is_cut_at_the_call_deadline(trickling):
    server = trickling(SHORT_REPLY, content_type="application/x-ndjson", interval_s=0.3,
                       chunked=True)
    llm = backend_for(server.url, max_retries=0)
    with pytest.raises(LLMTimeout):
        list(llm.stream(USER, timeout=1.0))
    assert len(server.sent) == 1 and server.sent[0] < len(SHORT_REPLY)


def test_the_deadline_leaves_replies_in_time_alone(trickling):
    server = trickling(SHORT_REPLY, interval_s=0.001)  # all of it within a second
    assert backend_for(server.url).chat(USER, timeout=5.0).content == "hi"
