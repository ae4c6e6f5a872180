"""The LLM layer's core, offline: retries with backoff, usage and cost totals, the scripted
backend, choosing a backend (`get_llm`), and the settings' precedence."""

from __future__ import annotations

import random

import pytest
from llm_fakes import MODEL, FakeOllama, free_port

from shared.config import ConfigError, load_settings, normalise_ollama_host
from shared.llm import (
    BackendUnavailable,
    ChatResult,
    LLMTimeout,
    ModelNotFound,
    RateLimited,
    ScriptedBackend,
    ServerError,
    ToolCall,
    Usage,
    UsageTracker,
    get_llm,
    tool_call_reply,
)
from shared.llm.embedded import EmbeddedBackend
from shared.llm.ollama_backend import OllamaBackend
from shared.llm.openai_backend import OpenAIBackend
from shared.llm.retry import backoff_delay, with_retries
from shared.llm.select import describe_choice

USER = [{"role": "user", "content": "hello there"}]


# Retries -----------------------------------------------------------------------------------


def failing_then(result: str, *errors: Exception):
    """A call that raises each error in turn, then returns `result`; counts its attempts."""
    attempts = []

    def call() -> str:
        attempts.append(1)
        if len(attempts) <= len(errors):
            raise errors[len(attempts) - 1]
        return result

    return call, attempts


def test_backoff_grows_exponentially_with_full_jitter():
    random.seed(0)
    for attempt in range(1, 8):
        ceiling = min(20.0, 0.5 * 2 ** (attempt - 1))
        delays = [backoff_delay(attempt) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > 0.8 * ceiling  # the jitter spreads over the whole range
    assert max(backoff_delay(30) for _ in range(50)) <= 20.0  # capped


def test_transient_errors_are_retried_with_backoff():
    call, attempts = failing_then("ok", ServerError("500"), BackendUnavailable("refused"))
    sleeps: list[float] = []
    retried: list[int] = []
    result = with_retries(call, max_retries=3, base_s=1.0, sleep=sleeps.append,
                          on_retry=lambda n, err, delay: retried.append(n))
    assert result == "ok" and len(attempts) == 3 and retried == [1, 2]
    assert 0 <= sleeps[0] <= 1.0 and 0 <= sleeps[1] <= 2.0


def test_rate_limit_waits_what_the_server_asked():
    call, _ = failing_then("ok", RateLimited("429", retry_after=7.5))
    sleeps: list[float] = []
    assert with_retries(call, sleep=sleeps.append) == "ok"
    assert sleeps == [7.5]


def test_permanent_errors_are_not_retried():
    call, attempts = failing_then("ok", ModelNotFound("no such model"))
    with pytest.raises(ModelNotFound):
        with_retries(call, max_retries=5, sleep=lambda _s: None)
    assert len(attempts) == 1


def test_retries_run_out():
    call, attempts = failing_then("ok", *[LLMTimeout("slow")] * 5)
    with pytest.raises(LLMTimeout):
        with_retries(call, max_retries=2, sleep=lambda _s: None)
    assert len(attempts) == 3


def test_backend_counts_retries_and_latency():
    llm = ScriptedBackend([ServerError("boom"), RateLimited("busy", retry_after=0.25), "fine"])
    llm.max_retries = 3
    sleeps: list[float] = []
    llm.sleep = sleeps.append
    reply = llm.chat(USER)
    assert reply.content == "fine" and reply.latency_s >= 0
    assert llm.usage.retries == 2 and llm.usage.calls == 1 and sleeps[1] == 0.25
    assert len(llm.calls) == 3


# Usage and cost ----------------------------------------------------------------------------


def test_usage_totals_and_cost_for_priced_models():
    tracker = UsageTracker()
    tracker.record(ChatResult("a", usage=Usage(1_000_000, 0), latency_s=1.5, model="gpt-4o-mini"))
    tracker.record(ChatResult("b", usage=Usage(0, 1_000_000), latency_s=0.5, model="gpt-4o-mini"))
    tracker.record(ChatResult("c", usage=Usage(500, 20), latency_s=1.0, model="qwen2.5-coder"))
    assert tracker.calls == 3
    assert (tracker.prompt_tokens, tracker.completion_tokens) == (1_000_500, 1_000_020)
    assert tracker.latency_s == pytest.approx(3.0)
    assert tracker.cost_usd == pytest.approx(0.15 + 0.60)  # the local model is free
    assert "3 calls" in tracker.summary() and "$0.7500" in tracker.summary()


def test_backend_usage_accumulates_over_calls():
    llm = ScriptedBackend(["one two", "three"], model="gpt-4o")
    llm.chat(USER)
    llm.chat(USER)
    assert llm.usage.calls == 2 and llm.usage.completion_tokens == 3
    assert llm.usage.prompt_tokens == 4  # the scripted backend counts words
    assert llm.usage.cost_usd > 0


# The scripted backend ----------------------------------------------------------------------


def test_scripted_replays_records_and_raises():
    llm = ScriptedBackend(["first", tool_call_reply("read_file", {"path": "a.py"}),
                           BackendUnavailable("down")])
    assert llm.chat(USER, temperature=0).content == "first"
    second = llm.chat(USER, tools=[{"type": "function"}])
    assert second.tool_calls == [ToolCall("read_file", {"path": "a.py"}, "call_read_file")]
    assert second.as_message()["tool_calls"][0]["function"]["arguments"] == {"path": "a.py"}
    with pytest.raises(BackendUnavailable):
        llm.chat(USER)
    assert llm.calls[0]["options"] == {"temperature": 0}
    assert llm.calls[1]["tools"] == [{"type": "function"}]
    with pytest.raises(IndexError, match="ran out of replies"):
        llm.chat(USER)


def test_scripted_function_of_messages_and_stream():
    llm = ScriptedBackend(lambda messages: messages[-1]["content"].upper())
    assert llm.chat(USER).content == "HELLO THERE"
    assert "".join(llm.stream(USER)) == "HELLO THERE"
    assert llm.usage.calls == 2  # a streamed call counts too


# Choosing a backend ------------------------------------------------------------------------


def test_auto_picks_ollama_when_it_answers_with_the_model(fake_ollama: FakeOllama, capsys):
    settings = load_settings(backend="auto", ollama_host=fake_ollama.host)
    llm = get_llm(settings)
    assert isinstance(llm, OllamaBackend) and llm.model == MODEL
    line = capsys.readouterr().out
    assert line.startswith("LLM: ollama") and "answers" in line
    assert llm.chat(USER).content == "Hello!"


def test_auto_falls_back_when_ollama_lacks_the_model(fake_ollama: FakeOllama):
    fake_ollama.models = ["llama3.2:latest"]
    settings = load_settings(backend="auto", ollama_host=fake_ollama.host)
    name, reason = describe_choice(settings)
    assert name == "embedded" and f"ollama pull {MODEL}" in reason


def test_auto_falls_back_to_embedded_without_loading_it(capsys):
    settings = load_settings(backend="auto", ollama_host=f"http://127.0.0.1:{free_port()}")
    llm = get_llm(settings)
    assert isinstance(llm, EmbeddedBackend) and not llm.loaded
    line = capsys.readouterr().out
    assert line.startswith("LLM: embedded") and "Ollama is not running" in line


def test_explicit_backends_and_model_override(fake_ollama: FakeOllama, capsys):
    ollama = get_llm(load_settings(backend="ollama", model="llama3.2"), verbose=False)
    assert isinstance(ollama, OllamaBackend) and ollama.model == "llama3.2"
    openai = get_llm(load_settings(backend="openai", openai_base_url="http://127.0.0.1:9/v1"),
                     verbose=False)
    assert isinstance(openai, OpenAIBackend) and openai.base_url == "http://127.0.0.1:9/v1"
    embedded = get_llm(load_settings(backend="embedded", model="smollm2-135m"), verbose=False)
    assert isinstance(embedded, EmbeddedBackend) and embedded.model == "smollm2-135m"
    scripted = get_llm(load_settings(backend="scripted"), verbose=False)
    assert "hello there" in scripted.chat(USER).content
    assert capsys.readouterr().out == ""  # verbose=False prints nothing


# Settings ----------------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No config file and no AGENTLAB_/OLLAMA_/OPENAI_ variables from the machine."""
    from shared.config import ENV_VARS

    for var in [*ENV_VARS, "AGENTLAB_CONFIG"]:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults(clean_env):
    settings = load_settings()
    assert settings.backend == "auto" and settings.ollama_host == "http://localhost:11434"
    assert settings.embedded_model == "qwen2.5-coder-0.5b"


def test_environment_wins_over_file_wins_over_defaults(clean_env, monkeypatch):
    config = clean_env / "agentlab.toml"
    config.write_text('backend = "ollama"\ntimeout_s = 30\nn_ctx = 4096\n')
    settings = load_settings()
    assert (settings.backend, settings.timeout_s, settings.n_ctx) == ("ollama", 30.0, 4096)
    monkeypatch.setenv("AGENTLAB_BACKEND", "embedded")
    monkeypatch.setenv("AGENTLAB_TIMEOUT", "5")
    settings = load_settings()
    assert (settings.backend, settings.timeout_s, settings.n_ctx) == ("embedded", 5.0, 4096)
    assert load_settings(backend="scripted").backend == "scripted"  # arguments win over all


def test_config_path_from_variable(clean_env, monkeypatch):
    other = clean_env / "elsewhere.toml"
    other.write_text('model = "llama3.2"\n')
    monkeypatch.setenv("AGENTLAB_CONFIG", str(other))
    assert load_settings().model == "llama3.2"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("AGENTLAB_TIMEOUT", "soon", "$AGENTLAB_TIMEOUT"),
        ("AGENTLAB_N_CTX", "big", "$AGENTLAB_N_CTX"),
        ("AGENTLAB_BACKEND", "gpt5", "backend 'gpt5'"),
        ("AGENTLAB_TIMEOUT", "0", "timeout_s"),
        ("AGENTLAB_MAX_RETRIES", "-1", "max_retries"),
    ],
)
def test_bad_values_name_the_problem(clean_env, monkeypatch, variable, value, named):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=named.replace("$", r"\$")):
        load_settings()


def test_bad_config_file_names_the_file(clean_env):
    (clean_env / "agentlab.toml").write_text('backnd = "ollama"\n')
    with pytest.raises(ConfigError, match="unknown setting 'backnd'"):
        load_settings()
    (clean_env / "agentlab.toml").write_text("backend = \n")
    with pytest.raises(ConfigError, match="agentlab.toml"):
        load_settings()


def test_ollama_host_forms():
    assert normalise_ollama_host("localhost:11434") == "http://localhost:11434"
    assert normalise_ollama_host("0.0.0.0") == "http://127.0.0.1:11434"
    assert normalise_ollama_host("http://gpu-box:11434/") == "http://gpu-box:11434"


def test_config_error_is_a_learner_error_and_still_a_value_error():
    from shared.errors import AgentlabError
    from shared.llm import LLMError, ModelFileError

    assert issubclass(ConfigError, AgentlabError) and issubclass(ConfigError, ValueError)
    assert issubclass(LLMError, AgentlabError) and issubclass(ModelFileError, AgentlabError)


@pytest.mark.parametrize("content", [b"\x00\x01\xff\xfe\x89PNG\r\n", 'backend = "caf\xe9"\n'.encode("latin-1")])
def test_binary_or_non_utf8_config_file_is_one_sentence(clean_env, content):
    (clean_env / "agentlab.toml").write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "agentlab.toml" in message and "not UTF-8 text" in message and "\n" not in message


def test_a_table_where_a_value_belongs_is_a_config_error(clean_env):
    (clean_env / "agentlab.toml").write_text('model = {name = "x"}\n')
    with pytest.raises(ConfigError, match="model = .* is not a valid str"):
        load_settings()


@pytest.mark.parametrize("host", ["localhost:abc", "http://", "ftp://gpu-box:11434",
                                  "http://gpu box:11434", "http://localhost:99999"])
def test_malformed_ollama_host_is_a_config_error(clean_env, monkeypatch, host):
    monkeypatch.setenv("OLLAMA_HOST", host)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("$OLLAMA_HOST: ollama_host = ") and "http://localhost:11434" in message


def test_ollama_host_ipv6_and_https_forms():
    assert normalise_ollama_host("[::1]") == "http://[::1]:11434"
    assert normalise_ollama_host("https://ollama.example.com:443/") == "https://ollama.example.com:443"


def test_bench_cli_reports_a_bad_config_in_one_line(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    config = tmp_path / "agentlab.toml"
    config.write_bytes(b"\x00\xff binary \xfe")
    env = {**os.environ, "AGENTLAB_CONFIG": str(config)}
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "shared.llm.bench"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "not UTF-8 text" in proc.stderr
