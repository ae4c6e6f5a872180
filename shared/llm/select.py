"""Choosing a backend from the settings (config file, environment, arguments).

    from shared.llm import get_llm
    llm = get_llm()        # prints e.g. "LLM: embedded (qwen2.5-coder-0.5b): Ollama is not running ..."

settings.backend: "ollama" | "openai" | "embedded" | "scripted" | "auto". `auto` takes Ollama
when it answers within about a second AND has the model, else the embedded model, and says why.
settings.model, when set, replaces the chosen backend's default model.
"""

from __future__ import annotations

from shared.config import Settings, load_settings
from shared.llm.backend import ChatBackend
from shared.llm.errors import LLMError
from shared.llm.types import Message

PROBE_TIMEOUT_S = 1.0


def describe_choice(settings: Settings | None = None) -> tuple[str, str]:
    """(backend name, one-sentence reason) that `get_llm` would pick; loads no model."""
    settings = settings or load_settings()
    if settings.backend != "auto":
        return settings.backend, "chosen in the settings (AGENTLAB_BACKEND or the config file)"
    ollama = _ollama(settings)
    try:
        names = ollama.list_models(PROBE_TIMEOUT_S)
    except LLMError as err:
        return "embedded", f"{err.args[0]}; using the in-process model"
    wanted = ollama.model
    if not ollama.has_model_in(names):
        return "embedded", (
            f"Ollama answers at {ollama.host} but has no {wanted} (`ollama pull {wanted}` "
            "adds it); using the in-process model"
        )
    return "ollama", f"Ollama answers at {ollama.host} and has {wanted}"


def get_llm(settings: Settings | None = None, verbose: bool = True) -> ChatBackend:
    """The configured backend, ready to `chat`. With verbose, prints which one and why."""
    settings = settings or load_settings()
    name, reason = describe_choice(settings)
    backend = build_backend(name, settings)
    if verbose:
        print(f"LLM: {backend.describe()}: {reason}")
    return backend


def build_backend(name: str, settings: Settings) -> ChatBackend:
    """Construct backend `name` from the settings (nothing is loaded or contacted yet)."""
    if name == "ollama":
        return _ollama(settings)
    if name == "openai":
        from shared.llm.openai_backend import OpenAIBackend

        return OpenAIBackend(
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key,
            model=settings.model or settings.openai_model,
            timeout_s=settings.timeout_s,
            max_retries=settings.max_retries,
        )
    if name == "embedded":
        from shared.llm.embedded import EmbeddedBackend

        return EmbeddedBackend(settings.model or settings.embedded_model, settings=settings)
    if name == "scripted":
        from shared.llm.scripted import ScriptedBackend

        return ScriptedBackend(echo_reply)
    raise ValueError(f"unknown backend {name!r}")


def _ollama(settings: Settings):
    from shared.llm.ollama_backend import OllamaBackend

    return OllamaBackend(
        host=settings.ollama_host,
        model=settings.model or settings.ollama_model,
        timeout_s=settings.timeout_s,
        max_retries=settings.max_retries,
        num_ctx=settings.n_ctx,
    )


def echo_reply(messages: list[Message]) -> str:
    """What AGENTLAB_BACKEND=scripted answers: the last user message back (offline demos)."""
    last = next((m for m in reversed(messages) if m.get("role") == "user"), {})
    return f"(scripted reply) you said: {last.get('content', '')}"
