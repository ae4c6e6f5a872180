"""The OpenAI-compatible backend: canned replies for the wire details and error paths, and a
real `python -m llama_cpp.server` serving the embedded model for the live round trips."""

from __future__ import annotations

import json

import pytest
from llm_fakes import free_port
from pytest_httpserver import HTTPServer

from shared.llm import (
    BackendUnavailable,
    BadRequest,
    BadResponse,
    LLMTimeout,
    ModelNotFound,
    RateLimited,
    ServerError,
)
from shared.llm.openai_backend import OpenAIBackend

USER = [{"role": "user", "content": "Say hello"}]
SCHEMA = {
    "type": "object",
    "properties": {"language": {"type": "string"}, "year": {"type": "integer"}},
    "required": ["language", "year"],
}


def completion(content: str | None = "Hi there", tool_calls: list | None = None,
               finish: str = "stop", model: str = "local-model") -> dict:
    message: dict = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
    }


def backend_for(httpserver: HTTPServer, sleeps: list[float] | None = None, **kwargs) -> OpenAIBackend:
    llm = OpenAIBackend(base_url=httpserver.url_for("/v1"), model="local-model", **kwargs)
    llm.sleep = sleeps.append if sleeps is not None else (lambda _s: None)
    return llm


def test_plain_chat_and_client_does_not_retry_itself(httpserver: HTTPServer):
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_json(completion())
    llm = backend_for(httpserver)
    reply = llm.chat(USER, temperature=0, max_tokens=20)
    assert reply.content == "Hi there" and reply.backend == "openai"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (9, 4)
    body = json.loads(httpserver.log[0][0].data)
    assert body["model"] == "local-model" and body["max_tokens"] == 20 and body["temperature"] == 0
    assert llm._client.max_retries == 0  # our base class retries, and counts them


def test_tool_call_arguments_string_is_parsed(httpserver: HTTPServer):
    calls = [
        {"id": "call_1", "type": "function",
         "function": {"name": "read_file", "arguments": '{"path": "main.py"}'}},
        {"id": "call_2", "type": "function",
         "function": {"name": "run", "arguments": '{"code": "print(1)'}},  # malformed JSON
    ]
    httpserver.expect_request("/v1/chat/completions").respond_with_json(
        completion(None, calls, finish="tool_calls"))
    reply = backend_for(httpserver).chat(USER, tools=[{"type": "function", "function": {
        "name": "read_file", "parameters": {"type": "object", "properties": {}}}}])
    assert reply.finish_reason == "tool_calls" and reply.content == ""
    assert reply.tool_calls[0].arguments == {"path": "main.py"}
    assert reply.tool_calls[0].id == "call_1"
    assert reply.tool_calls[1].arguments == {"_raw": '{"code": "print(1)'}


def test_history_tool_arguments_are_sent_as_json_strings(httpserver: HTTPServer):
    httpserver.expect_request("/v1/chat/completions").respond_with_json(completion())
    history = USER + [
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "c1", "type": "function",
             "function": {"name": "read_file", "arguments": {"path": "a.py"}}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "print(1)"},
    ]
    backend_for(httpserver).chat(history)
    sent = json.loads(httpserver.log[0][0].data)["messages"]
    assert json.loads(sent[1]["tool_calls"][0]["function"]["arguments"]) == {"path": "a.py"}


def test_schema_is_sent_in_the_standard_form_first(httpserver: HTTPServer):
    httpserver.expect_request("/v1/chat/completions").respond_with_json(completion('{"a": 1}'))
    backend_for(httpserver).chat(USER, response_format={"type": "json_object", "schema": SCHEMA})
    sent = json.loads(httpserver.log[0][0].data)["response_format"]
    assert sent == {"type": "json_schema", "json_schema": {"name": "reply", "schema": SCHEMA}}


def test_rate_limit_honours_retry_after(httpserver: HTTPServer):
    httpserver.expect_ordered_request("/v1/chat/completions").respond_with_json(
        {"error": {"message": "slow down"}}, status=429, headers={"Retry-After": "3"})
    httpserver.expect_ordered_request("/v1/chat/completions").respond_with_json(completion())
    sleeps: list[float] = []
    llm = backend_for(httpserver, sleeps)
    assert llm.chat(USER).content == "Hi there"
    assert sleeps == [3.0] and llm.usage.retries == 1


def test_rate_limit_gives_up_as_rate_limited(httpserver: HTTPServer):
    httpserver.expect_request("/v1/chat/completions").respond_with_json(
        {"error": {"message": "slow down"}}, status=429)
    with pytest.raises(RateLimited):
        backend_for(httpserver, max_retries=1).chat(USER)


def test_server_error_is_retried(httpserver: HTTPServer):
    httpserver.expect_request("/v1/chat/completions").respond_with_json(
        {"error": {"message": "boom"}}, status=500)
    llm = backend_for(httpserver, max_retries=2)
    with pytest.raises(ServerError):
        llm.chat(USER)
    assert len(httpserver.log) == 3 and llm.usage.retries == 2


def test_unknown_model_and_bad_request(httpserver: HTTPServer):
    httpserver.expect_ordered_request("/v1/chat/completions").respond_with_json(
        {"error": {"message": "model not found"}}, status=404)
    httpserver.expect_ordered_request("/v1/chat/completions").respond_with_json(
        {"error": {"message": "messages must not be empty"}}, status=400)
    llm = backend_for(httpserver)
    with pytest.raises(ModelNotFound, match="AGENTLAB_MODEL"):
        llm.chat(USER)
    with pytest.raises(BadRequest):
        llm.chat(USER)
    assert llm.usage.retries == 0


def test_connection_refused_is_backend_unavailable():
    llm = OpenAIBackend(base_url=f"http://127.0.0.1:{free_port()}/v1", max_retries=1)
    llm.sleep = lambda _s: None
    with pytest.raises(BackendUnavailable, match="nothing answers at"):
        llm.chat(USER)
    assert llm.usage.retries == 1


# Live: a real OpenAI-compatible server ---------------------------------------------------


@pytest.mark.live
def test_live_llama_cpp_server_plain_chat(llama_server: str):
    llm = OpenAIBackend(base_url=llama_server, model="local-model", timeout_s=300)
    reply = llm.chat([{"role": "user", "content": "Reply with one word: hello"}],
                     max_tokens=8, temperature=0)
    assert reply.content.strip()
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert llm.usage.calls == 1


@pytest.mark.live
def test_live_llama_cpp_server_schema_reply(llama_server: str):
    llm = OpenAIBackend(base_url=llama_server, model="local-model", timeout_s=300)
    reply = llm.chat(
        [{"role": "user", "content": "In which year was Python first released? Answer as JSON."}],
        response_format={"type": "json_object", "schema": SCHEMA},
        max_tokens=40, temperature=0,
    )
    data = json.loads(reply.content)
    assert isinstance(data["language"], str) and isinstance(data["year"], int)
    # llama.cpp's server refuses OpenAI's json_schema form; the backend switched to its own.
    assert llm.schema_style == "llama_cpp"


def test_switches_to_llama_cpp_schema_form_when_refused(httpserver: HTTPServer):
    refusal = {"error": {"message": "Input should be 'text' or 'json_object' (response_format)"}}
    httpserver.expect_ordered_request("/v1/chat/completions").respond_with_json(refusal, status=500)
    httpserver.expect_ordered_request("/v1/chat/completions").respond_with_json(
        completion('{"language": "Python", "year": 1991}'))
    llm = backend_for(httpserver)
    reply = llm.chat(USER, response_format={"type": "json_object", "schema": SCHEMA})
    assert json.loads(reply.content)["year"] == 1991
    second = json.loads(httpserver.log[1][0].data)["response_format"]
    assert second == {"type": "json_object", "schema": SCHEMA}
    assert llm.schema_style == "llama_cpp" and llm.usage.retries == 0


# A total deadline per call, and replies that are not JSON ---------------------------------
# The trickling server sends a byte every 0.3 s, within the 1 s timeout of each read: only a
# limit on the whole call ends it (without one these replies take 30 s or more to arrive).


def test_trickled_reply_is_cut_at_the_call_deadline(trickling):
    body = json.dumps(completion("hi")).encode()
    server = trickling(body, interval_s=0.3)
    llm = OpenAIBackend(base_url=server.url + "/v1", max_retries=0)
    with pytest.raises(LLMTimeout, match="did not finish its reply within 1 s"):
        llm.chat(USER, timeout=1.0)
    assert server.sent[0] < len(body)


def test_trickled_stream_is_cut_at_the_call_deadline(trickling):
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "local-model",
             "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}]}
    body = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()
    server = trickling(body, content_type="text/event-stream", interval_s=0.3, chunked=True)
    llm = OpenAIBackend(base_url=server.url + "/v1", max_retries=0)
    with pytest.raises(LLMTimeout):
        list(llm.stream(USER, timeout=1.0))
    assert server.sent[0] < len(body)


def test_reply_that_is_not_json_is_bad_response(httpserver: HTTPServer):
    httpserver.expect_request("/v1/chat/completions").respond_with_data(
        "{not json", content_type="application/json")
    with pytest.raises(BadResponse) as caught:
        backend_for(httpserver).chat(USER)
    message = str(caught.value)
    assert "not JSON" in message and "OPENAI_BASE_URL" in message and "\n" not in message
    assert caught.value.__cause__ is not None  # the parse error stays attached for debugging


def test_stream_of_lines_that_are_not_json_is_bad_response(httpserver: HTTPServer):
    httpserver.expect_request("/v1/chat/completions").respond_with_data(
        "data: {not json\n\n", content_type="text/event-stream")
    with pytest.raises(BadResponse, match="not JSON"):
        list(backend_for(httpserver).stream(USER))
