"""The embedded backend (llama-cpp-python in process): offline checks of the pieces around the
model, and a few live calls on the real Qwen2.5-Coder-0.5B with tiny prompts."""

from __future__ import annotations

import json

import jsonschema
import pytest

from shared.config import load_settings
from shared.llm import LLMTimeout, ModelFileError
from shared.llm.embedded import EmbeddedBackend, parse_tool_call_tags

SCHEMA = {"type": "object", "properties": {"answer": {"type": "integer"}}, "required": ["answer"]}


def test_tool_call_tags_become_tool_calls():
    content = ('Let me look.\n<tool_call>\n{"name": "read_file", "arguments": {"path": "a.py"}}\n'
               '</tool_call>')
    calls, rest = parse_tool_call_tags(content)
    assert [(c.name, c.arguments) for c in calls] == [("read_file", {"path": "a.py"})]
    assert rest == "Let me look."


def test_tool_call_tags_string_arguments_and_bad_blocks():
    content = ('<tool_call>{"name": "run", "arguments": "{\\"code\\": \\"print(1)\\"}"}</tool_call>'
               "<tool_call>not json</tool_call>")
    calls, rest = parse_tool_call_tags(content)
    assert [(c.name, c.arguments) for c in calls] == [("run", {"code": "print(1)"})]
    assert rest == "<tool_call>not json</tool_call>"
    assert parse_tool_call_tags("no calls here") == ([], "no calls here")


def test_missing_model_file_is_model_file_error(tmp_path):
    llm = EmbeddedBackend(str(tmp_path / "absent.gguf"), settings=load_settings())
    with pytest.raises(ModelFileError, match="does not exist"):
        llm.chat([{"role": "user", "content": "hi"}])


def test_corrupt_model_file_says_make_setup(tmp_path):
    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(b"GGUF" + b"\0" * 4096)
    llm = EmbeddedBackend(str(corrupt), settings=load_settings())
    with pytest.raises(ModelFileError) as caught:
        llm.load()
    assert "make setup" in str(caught.value)


def test_backend_is_lazy():
    llm = EmbeddedBackend(settings=load_settings())
    assert not llm.loaded and llm.model_path is None


def test_schema_replies_stop_on_runaway_blank_lines():
    llm = EmbeddedBackend(settings=load_settings())
    schema = {"type": "json_object", "schema": SCHEMA}
    kwargs = llm._arguments([{"role": "user", "content": "hi"}], None, schema, {"stop": "END"})
    assert kwargs["stop"] == ["END", "\n\n\n\n"]
    assert "stop" not in llm._arguments([{"role": "user", "content": "hi"}], None, None, {})


@pytest.mark.live
def test_live_short_reply(embedded_llm):
    reply = embedded_llm.chat([{"role": "user", "content": "Reply with one word: pong"}],
                              max_tokens=8, temperature=0)
    assert reply.content.strip()
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert reply.backend == "embedded" and reply.finish_reason in ("stop", "length")
    assert embedded_llm.usage.calls >= 1 and embedded_llm.usage.prompt_tokens > 0


@pytest.mark.live
def test_live_schema_constrained_reply(embedded_llm):
    reply = embedded_llm.chat(
        [{"role": "user", "content": "What is 2 + 3? Answer as JSON."}],
        response_format={"type": "json_object", "schema": SCHEMA}, max_tokens=20, temperature=0,
    )
    data = json.loads(reply.content)
    jsonschema.validate(data, SCHEMA)
    assert reply.finish_reason == "stop"  # the grammar closed the object within max_tokens


@pytest.mark.live
def test_live_stream_pieces_join_to_text(embedded_llm):
    messages = [{"role": "user", "content": "Count from 1 to 3."}]
    usage = embedded_llm.usage
    calls, prompt, completion = usage.calls, usage.prompt_tokens, usage.completion_tokens
    pieces = list(embedded_llm.stream(messages, max_tokens=12, temperature=0))
    assert len(pieces) > 1
    assert "".join(pieces).strip()
    assert usage.calls == calls + 1  # the streamed call is in the totals, with its tokens
    streamed_prompt, streamed_completion = usage.prompt_tokens - prompt, usage.completion_tokens - completion
    reply = embedded_llm.chat(messages, max_tokens=12, temperature=0)  # the same call, not streamed
    assert abs(streamed_prompt - reply.usage.prompt_tokens) <= 1
    assert streamed_completion == len(pieces)
    assert abs(streamed_completion - reply.usage.completion_tokens) <= 1


@pytest.mark.live
def test_live_timeout_and_shared_model_object(embedded_llm):
    with pytest.raises(LLMTimeout, match="did not finish within"):
        embedded_llm.chat([{"role": "user", "content": "Write a long story."}],
                          max_tokens=200, timeout=0.05)
    # A second backend on the same file and context size shares the one loaded model object.
    twin = EmbeddedBackend(embedded_llm.model, settings=embedded_llm.settings)
    assert twin.load() is embedded_llm.load()


def _try_in_child(queue) -> None:
    from shared.llm import embedded
    try:
        embedded.EmbeddedBackend("qwen2.5-coder-0.5b").load()
    except embedded.ForkedAfterLoad as err:
        queue.put(f"refused: {err}")
    except Exception as err:  # noqa: BLE001 - the test reports what else happened
        queue.put(f"other: {type(err).__name__}: {err}")
    else:
        queue.put("loaded")


def test_a_process_forked_after_a_load_refuses_instead_of_hanging(monkeypatch):
    """llama.cpp's OpenMP threads stay in the parent: a forked child must not run the model
    (it hung in GOMP_parallel). The parent itself goes on using what it loaded."""
    import multiprocessing
    import os

    from shared.llm import embedded

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    monkeypatch.setattr(embedded, "_LOADED", {("model.gguf", 4096): (object(), None)})
    monkeypatch.setattr(embedded, "_LOADED_BY_PID", os.getpid())
    embedded.check_not_forked()  # the parent: fine
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_try_in_child, args=(queue,))
    child.start()
    answer = queue.get(timeout=60)
    child.join(timeout=60)
    assert answer.startswith("refused: this process was forked from one that had already run")
    assert "python -m shared.bench.command" in answer
